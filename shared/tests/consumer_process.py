"""A consumer worker in its own process, so a test can kill it with SIGKILL.

usage: consumer_process.py DB_URL BOOTSTRAP TOPIC SERVICE [--kill-after-db-commit]
                           [--kill-when-revoked] [--wait-for-go]

--kill-when-revoked kills it as a rebalance takes its partitions: in the middle of the
rebalance, with a batch perhaps half done. --wait-for-go starts consuming only once a line
comes on stdin, so a test can have the process loaded before it needs it to join.
"""

import asyncio
import logging
import os
import signal
import sys

from sqlalchemy.ext.asyncio import create_async_engine

from shared.consumer import ConsumerRunner
from shared.db import create_sessionmaker
from shared.settings import ConsumerSettings, KafkaSettings
from shared.testing import ProbeHappened, record_probe


async def _kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def main(db_url: str, bootstrap: str, topic: str, service: str, flags: list[str]) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if "--wait-for-go" in flags:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    engine = create_async_engine(db_url)
    runner = ConsumerRunner(
        service,
        [topic],
        {ProbeHappened.wire_type: record_probe},
        create_sessionmaker(engine),
        KafkaSettings(bootstrap_servers=bootstrap),
        ConsumerSettings(),
        after_db_commit=_kill_myself if "--kill-after-db-commit" in flags else None,
        when_revoked=_kill_myself if "--kill-when-revoked" in flags else None,
    )
    await runner.run(stop)
    await engine.dispose()


if __name__ == "__main__":
    # The group's joins and revocations, in the test's output when it fails.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
    db_url, bootstrap, topic, service = sys.argv[1:5]
    asyncio.run(main(db_url, bootstrap, topic, service, sys.argv[5:]))
