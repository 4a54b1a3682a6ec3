#!/usr/bin/env bash
# `make test`: a test stack of its own (other ports, other folder), lint, then every test tier.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export TRYGG_STATE_DIR=$ROOT/.state/test
export TRYGG_PG_PORT=${TRYGG_TEST_PG_PORT:-55433}
export TRYGG_PG_DURABLE=0
export TRYGG_KAFKA_PORT=${TRYGG_TEST_KAFKA_PORT:-19092}
export TRYGG_KAFKA_CONTROLLER_PORT=${TRYGG_TEST_KAFKA_CONTROLLER_PORT:-19093}
export TRYGG_KAFKA_PARTITIONS=3
# The tests run on development secrets.
export TRYGG_ENVIRONMENT=development
STACK=$ROOT/deploy/stack.sh

case "${1:-run}" in
  down) "$STACK" down ;;
  up) "$STACK" infra-up ;;
  run)
    started=$SECONDS
    "$STACK" install
    trap '"$STACK" down' EXIT
    "$STACK" infra-up
    echo "[test] stack ready after $((SECONDS - started)) s"
    (cd "$ROOT" && make --no-print-directory lint)
    export TRYGG_TEST_STACK=$STACK
    cd "$ROOT" && .venv/bin/python -m pytest "${@:2}"
    ;;
esac
