"""The walks worker: its outbox relay, and the purge of expired idempotency keys and
rate-limit counts."""

from collections.abc import Sequence

from shared.db import Sessionmaker
from shared.worker import HOUSEKEEPING_INTERVAL_S, Job, every, purge_expired, run_worker, start
from walks.config import Settings


def jobs(sessionmaker: Sessionmaker) -> Sequence[Job]:
    return [every(HOUSEKEEPING_INTERVAL_S, purge_expired, sessionmaker)]


async def run(settings: Settings) -> None:
    await run_worker(service="walks", settings=settings, jobs=jobs)


def main() -> None:
    start(run(Settings()))


if __name__ == "__main__":
    main()
