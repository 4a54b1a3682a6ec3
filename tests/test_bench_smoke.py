"""`make bench`'s smoke version: every scenario once, for a second or a few hundred events,
against the test stack's PostgreSQL and Kafka with the services started by the benchmark
itself; each gives a row with positive figures, and the report is well-formed JSON. No figure
is held to its goal here: on a busy machine the figures mean nothing, only that they come.
"""

import json
import os
import sys
from pathlib import Path

import pytest

from drivers import run_driver
from shared.testing import TestStack

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[1]
# Ports of its own (a stack spans 303 from its base), clear of `make bench` (27400) and the
# soaks (26400, 27400).
PORT_BASE = os.environ.get("TRYGG_TEST_BENCH_PORT_BASE", "28000")
TIMEOUT_S = 900
SCENARIOS = {"B1", "B1r", "B2", "B3", "B3b", "B4", "B5", "tips", "hotspots"}


def test_every_scenario_gives_a_row_of_positive_figures(stack: TestStack, tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--smoke"]
    command += ["--pg-port", str(stack.pg_port), "--kafka-port", str(stack.kafka_port)]
    command += ["--port-base", PORT_BASE, "--state", str(ROOT / ".state" / "bench-smoke")]
    command += ["--report", str(report)]
    output = run_driver(command, TIMEOUT_S, "the benchmark's smoke run")
    found = json.loads(report.read_text(encoding="utf-8"))
    assert found["smoke"] is True
    rows = found["rows"]
    assert {r["id"] for r in rows} == SCENARIOS, output
    for row in rows:
        figures = row["ours"]["runs"] + (row["baseline"]["runs"] if row["baseline"] else [])
        figures += [x for x in (row["p50_ms"], row["p99_ms"], row["ratio"]) if x is not None]
        assert figures, row
        assert all(x > 0 for x in figures), row
    beside = {r["id"] for r in rows if r["baseline"]}
    assert beside == {"B1", "B2", "B3", "B3b", "B5", "hotspots"}, output
