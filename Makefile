# Trygg: `make up` runs the system, `make test` passes every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: help up down install lint fmt test test-unit soak bench schemas token backup restore

help:
	@echo "make up      start PostgreSQL, Kafka and the four services (prints the /docs URLs)"
	@echo "make down    stop exactly what make up started"
	@echo "make test    bring up a separate test stack and run lint and every test tier"
	@echo "make test-unit  run the unit tier only: no PostgreSQL, no Kafka, nothing brought up"
	@echo "make soak    the whole system under load and faults; counts lost and duplicate messages"
	@echo "             (RUNS=30 DURATION=30 BROKERS=1 PORT_BASE=26400)"
	@echo "make bench   every performance scenario beside its baseline, three runs each; one table"
	@echo "             (a stack of its own from BENCH_PORT_BASE=27400; ARGS=\"--only B2 B3\")"
	@echo "make lint    ruff, mypy --strict and import-linter"
	@echo "make token   mint a development token (SCOPES=..., MUNICIPALITIES=...)"
	@echo "make backup  a base backup of the stack's databases under .state/dev/backups"
	@echo "make restore FROM=<backup> [TO=<time>]  replace the stack's databases by a backup"

up:
	@deploy/stack.sh up

down:
	@deploy/stack.sh down
	@deploy/test-stack.sh down

install:
	@deploy/stack.sh install

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy shared/src services/*/src deploy/demo.py deploy/demo_tips.py deploy/demo_patrols.py deploy/demo_promise.py \
		deploy/soak/*.py benchmarks/*.py
	.venv/bin/lint-imports

fmt:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

test:
	@deploy/test-stack.sh run

# Every test not marked as needing PostgreSQL (`service`) or Kafka (`kafka`). TRYGG_TEST_STACK is
# emptied so that a test reaching for the stack fails at once rather than finding one left up.
test-unit:
	@test -x .venv/bin/python || uv sync --frozen --quiet --compile-bytecode
	@deploy/stack.sh install-node
	TRYGG_ENVIRONMENT=development TRYGG_TEST_STACK= \
		.venv/bin/python -m pytest -m "not service and not kafka" $(ARGS)

# Not part of `make test` (its short version is): a stack of its own in .state/soak, on ports
# from PORT_BASE on, so it runs beside `make up` and `make test`.
RUNS ?= 30
DURATION ?= 30
BROKERS ?= 1
PORT_BASE ?= 26400
soak:
	@deploy/stack.sh install
	.venv/bin/python deploy/soak/soak.py --runs $(RUNS) --duration $(DURATION) \
		--brokers $(BROKERS) --port-base $(PORT_BASE) $(ARGS)

# Not part of `make test` (its smoke version is): a stack of its own in .state/bench, on ports
# from BENCH_PORT_BASE on; the table is printed and written to benchmarks/results/.
BENCH_PORT_BASE ?= 27400
bench:
	@deploy/stack.sh install
	TRYGG_ENVIRONMENT=development .venv/bin/python benchmarks/bench.py \
		--port-base $(BENCH_PORT_BASE) $(ARGS)

schemas:
	.venv/bin/python -m shared.schemas write
	.venv/bin/python -m shared.asyncapi write

SCOPES ?= walks:read walks:write walks:publish walks:admin tips:read tips:write patrols:read patrols:write notify:read notify:write
MUNICIPALITIES ?= 0683
token:
	@.venv/bin/python -m shared.tokens $(foreach s,$(SCOPES),--scope $(s)) \
		$(foreach m,$(MUNICIPALITIES),--municipality $(m))

# Base backup of the local stack's cluster (deploy/backup.sh; README: Backup and restore).
backup:
	@deploy/backup.sh backup

# Run `make down` first; TO is an ISO 8601 time with its offset, for point-in-time recovery.
restore:
	@test -n "$(FROM)" || { echo "usage: make restore FROM=<backup folder> [TO=<time>]" >&2; exit 2; }
	@deploy/backup.sh restore "$(FROM)" $(if $(TO),--to "$(TO)")
