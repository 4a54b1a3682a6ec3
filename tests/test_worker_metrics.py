"""A worker as it is deployed (`python -m walks.worker`) serves its metrics on the port its
settings give it while it runs, and stops serving when SIGTERM stops it."""

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from scraping import scrape, until_scraped, value
from shared.testing import TestStack, migrate, recreate_database, wait_until

pytestmark = pytest.mark.kafka


def _metrics_port(log: Path) -> int | None:
    """The port the worker said it serves metrics on, once it has said so."""
    for line in log.read_text().splitlines():
        message = json.loads(line).get("message", "") if line.startswith("{") else ""
        if message.startswith("metrics at http://127.0.0.1:"):
            return int(message.rsplit(":", 1)[1].split("/")[0])
    return None


async def test_the_walks_worker_serves_its_gauges_and_stops_serving_on_sigterm(
    stack: TestStack, tmp_path: Path
) -> None:
    url = await recreate_database(stack, "walks_worker_metrics")
    await migrate("walks", url)
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "TRYGG_ENVIRONMENT": "development",
        "WALKS_DB__URL": url,
        "WALKS_KAFKA__BOOTSTRAP_SERVERS": stack.bootstrap,
        "WALKS_WORKER__METRICS_PORT": "0",  # any free port: the log says which
        "WALKS_WORKER__SAMPLE_INTERVAL_S": "0.1",
    }
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "walks.worker", env=env, stdout=out, stderr=out
        )
    try:

        async def announced() -> bool:
            assert process.returncode is None, log.read_text()
            return _metrics_port(log) is not None

        await wait_until(announced, 60, "the worker to announce its metrics")
        port = _metrics_port(log)
        assert port is not None
        samples = await until_scraped(
            port,
            "the outbox gauges of walks",
            lambda s: value(s, "trygg_outbox_backlog", service="walks") == 0,
        )
        assert value(samples, "trygg_outbox_oldest_unpublished_seconds", service="walks") == 0
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(process.wait(), 60)
    assert returncode == 0, log.read_text()
    with pytest.raises(httpx.ConnectError):
        await scrape(port)
