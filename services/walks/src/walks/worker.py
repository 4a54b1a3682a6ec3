"""The walks worker: its outbox relay, and the purge of expired idempotency keys and
rate-limit counts."""

import asyncio
import contextlib
import logging

from shared import idempotency, ratelimit
from shared.db import create_engine, create_sessionmaker
from shared.worker import run_worker
from walks.config import Settings

log = logging.getLogger(__name__)
PURGE_INTERVAL_S = 3600.0


async def purge_idempotency_keys(settings: Settings, interval_s: float = PURGE_INTERVAL_S) -> None:
    """Deletes expired keys in bounded batches, and yesterday's rate-limit counts, hourly, for
    as long as the worker runs."""
    engine = create_engine(settings.db)
    sessionmaker = create_sessionmaker(engine)
    try:
        while True:
            try:
                async with sessionmaker() as session, session.begin():
                    await (await session.connection()).execute(ratelimit.PURGE)
                    purged = await idempotency.purge(session)
                if purged:
                    log.info("purged %d expired idempotency keys", purged)
                    continue  # more may be waiting
            except Exception as exc:  # the database may be away; try again next round
                log.warning("idempotency key purge failed: %r", exc)
            await asyncio.sleep(interval_s)
    finally:
        await engine.dispose()


async def run(settings: Settings) -> None:
    # shared.worker owns the signals and the stop; the purge simply ends with it.
    purger = asyncio.create_task(purge_idempotency_keys(settings))
    try:
        await run_worker(service="walks", settings=settings)
    finally:
        purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purger


def main() -> None:
    asyncio.run(run(Settings()))


if __name__ == "__main__":
    main()
