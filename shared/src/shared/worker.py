"""The worker process every service runs beside its API: the outbox relay, and the service's
own jobs (consumers, the dispatcher, housekeeping), all stopped together by SIGTERM or SIGINT.
It serves its metrics on a port of its own while it runs (shared.worker_metrics)."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import uvloop

from shared import idempotency, ratelimit
from shared.db import Sessionmaker, asyncpg_dsn, create_engine, create_sessionmaker
from shared.logs import configure_logging, logged_exit
from shared.relay import Relay
from shared.settings import ServiceSettings, events_topic
from shared.tracing import configure_tracing
from shared.worker_metrics import outbox_probe, sampling, serving_metrics

log = logging.getLogger(__name__)

# A job runs until the event is set; it owns (and closes) whatever it opens.
Job = Callable[[asyncio.Event], Awaitable[None]]
# The service's jobs, made once the worker's database sessions exist.
Jobs = Callable[[Sessionmaker], Sequence[Job]]
# One round of housekeeping; returns how much it cleared, for the log.
Chore = Callable[[Sessionmaker], Awaitable[int]]
HOUSEKEEPING_INTERVAL_S = 300.0


def start(main: Coroutine[Any, Any, None]) -> None:
    """A worker's process runs its main on uvloop, as the APIs do: the same work in less of a
    core, which the worker shares with the API, PostgreSQL and Kafka on a small machine."""
    uvloop.run(main)


async def run_worker(*, service: str, settings: ServiceSettings, jobs: Jobs | None = None) -> None:
    """The relay and the service's `jobs` until SIGTERM or SIGINT."""
    configure_logging(service, settings.log_level)
    with logged_exit():
        settings.refuse_development_defaults()
    configure_tracing(service, "worker", settings.tracing)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.db)
    sessionmaker = create_sessionmaker(engine)
    relay = Relay(
        service, asyncpg_dsn(settings.db.url), events_topic(service), settings.kafka, settings.relay
    )
    sampler = sampling(settings.worker.sample_interval_s, [outbox_probe(service)], sessionmaker)
    running = [relay.run, sampler, *(jobs(sessionmaker) if jobs else [])]
    try:
        async with serving_metrics(settings.worker):
            log.info("worker started")
            await asyncio.gather(*(job(stop) for job in running))
    finally:
        await engine.dispose()
    log.info("worker stopped")


def every(seconds: float, chore: Chore, sessionmaker: Sessionmaker) -> Job:
    """A job that does `chore` now and then every `seconds`; a failed round (the database may
    be away) is logged and the next one tried."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if cleared := await chore(sessionmaker):
                    log.info("%s cleared %d rows", getattr(chore, "__name__", "chore"), cleared)
            except Exception:
                log.exception("housekeeping failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    return run


async def purge_expired(sessionmaker: Sessionmaker) -> int:
    """Expired idempotency keys (one bounded batch) and yesterday's rate-limit counts, for a
    service that has those tables."""
    async with sessionmaker() as session, session.begin():
        await (await session.connection()).execute(ratelimit.PURGE)
        return await idempotency.purge(session)
