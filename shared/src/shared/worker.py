"""The worker process every service runs beside its API: the outbox relay and its consumers."""

import asyncio
import logging
import signal
from typing import Any

from shared.consumer import ConsumerRunner, Handler
from shared.db import asyncpg_dsn, create_engine, create_sessionmaker
from shared.logs import configure_logging
from shared.relay import Relay
from shared.settings import ServiceSettings, events_topic

log = logging.getLogger(__name__)


async def run_worker(
    *,
    service: str,
    settings: ServiceSettings,
    routes: dict[str, Handler] | None = None,
    topics: list[str] | None = None,
    deps: dict[str, Any] | None = None,
) -> None:
    """Run the relay (and the consumer, when there are routes) until SIGTERM or SIGINT."""
    settings.refuse_development_defaults()
    configure_logging(service, settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.db)
    relay = Relay(
        service, asyncpg_dsn(settings.db.url), events_topic(service), settings.kafka, settings.relay
    )
    jobs = [relay.run(stop)]
    if routes:
        runner = ConsumerRunner(
            service,
            topics or [],
            routes,
            create_sessionmaker(engine),
            settings.kafka,
            settings.consumer,
            deps or {},
        )
        jobs.append(runner.run(stop))
    log.info("worker started", extra={})
    try:
        await asyncio.gather(*jobs)
    finally:
        await engine.dispose()
    log.info("worker stopped")
