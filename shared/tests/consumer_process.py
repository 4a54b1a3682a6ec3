"""A consumer worker in its own process, so a test can kill it with SIGKILL.

usage: consumer_process.py DB_URL BOOTSTRAP TOPIC SERVICE [--kill-after-db-commit]
"""

import asyncio
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


async def main(db_url: str, bootstrap: str, topic: str, service: str, kill: bool) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = create_async_engine(db_url)
    runner = ConsumerRunner(
        service,
        [topic],
        {ProbeHappened.wire_type: record_probe},
        create_sessionmaker(engine),
        KafkaSettings(bootstrap_servers=bootstrap),
        ConsumerSettings(),
        after_db_commit=_kill_myself if kill else None,
    )
    await runner.run(stop)
    await engine.dispose()


if __name__ == "__main__":
    db_url, bootstrap, topic, service = sys.argv[1:5]
    asyncio.run(main(db_url, bootstrap, topic, service, "--kill-after-db-commit" in sys.argv))
