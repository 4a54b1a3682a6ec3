"""The soak's short version: the whole system (its own stack: APIs, workers, sinks) under load
while a worker and a broker are killed, PostgreSQL is stopped at once, a worker or broker is
paused and the network to PostgreSQL stalls; then every resident, tipster and the webhook
receiver was told each thing once, none twice, nothing stray. `make soak` runs the long one.
"""

import json
import os
import sys
from pathlib import Path

import pytest

from drivers import run_driver

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[1]
# Ports of its own (another base than `make soak`'s), so both can run beside `make up`.
PORT_BASE = os.environ.get("TRYGG_TEST_SOAK_PORT_BASE", "27400")
TIMEOUT_S = 900


def test_nothing_is_lost_or_sent_twice_through_a_handful_of_faults(tmp_path: Path) -> None:
    report = tmp_path / "soak.json"
    command = [sys.executable, str(ROOT / "deploy" / "soak" / "soak.py"), "--short"]
    command += ["--port-base", PORT_BASE, "--state", str(ROOT / ".state" / "soak-test")]
    command += ["--report", str(report)]
    output = run_driver(command, TIMEOUT_S, "the soak")
    assert report.exists(), output
    runs = json.loads(report.read_text())
    faults = [f for r in runs for f in r["faults"]]
    assert len(faults) == 5, output
    for run in runs:
        tally = run["tally"]
        assert tally["expected"] > 0, output
        assert (tally["lost"], tally["duplicated"], tally["unexpected"]) == (0, 0, 0), output
