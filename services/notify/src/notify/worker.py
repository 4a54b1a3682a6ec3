"""The notify worker: its outbox relay, the consumer of other services' events, and the
dispatcher that delivers notifications. The composition root of the messaging side."""

import asyncio
import logging
import signal
from functools import partial

from notify.config import Settings
from notify.messaging import handlers
from notify.messaging.channels.email import SmtpChannel
from notify.messaging.channels.sms import Elks46Gateway
from notify.messaging.channels.webhook import WebhookChannel
from notify.messaging.dispatcher import Channels, Dispatcher
from notify.messaging.handlers import HandlerConfig
from notify.messaging.outgoing import Composer
from notify.messaging.render import Renderer
from shared.consumer import ConsumerRunner, Handler
from shared.contracts.walks import (
    ActionPlanPublished,
    ActionPlanRevised,
    ActionPlanWithdrawn,
    MeasureStatusChanged,
    WalkRescheduled,
    WalkScheduled,
)
from shared.db import Sessionmaker, asyncpg_dsn, create_engine, create_sessionmaker
from shared.events import Contract
from shared.logs import configure_logging
from shared.relay import Relay
from shared.settings import events_topic

log = logging.getLogger(__name__)

SERVICE = "notify"
TOPICS = [events_topic("walks")]


def routes(settings: Settings) -> dict[str, Handler]:
    """Which handler takes which event; the handlers' settings are bound in here."""
    config = HandlerConfig(
        attempt_budget=settings.dispatcher.max_attempts,
        walk_invitation_buffer_m=settings.walk_invitation_buffer_m,
        cap=settings.cap,
    )
    table: dict[type[Contract], Handler] = {
        ActionPlanPublished: handlers.on_action_plan_published,
        ActionPlanRevised: handlers.on_action_plan_revised,
        ActionPlanWithdrawn: handlers.on_action_plan_withdrawn,
        MeasureStatusChanged: handlers.on_measure_status_changed,
        WalkScheduled: handlers.on_walk_scheduled,
        WalkRescheduled: handlers.on_walk_rescheduled,
    }
    return {contract.wire_type: partial(h, config=config) for contract, h in table.items()}


def channels(settings: Settings) -> Channels:
    return Channels(
        email=SmtpChannel(settings.smtp),
        sms=Elks46Gateway(settings.sms),
        webhook=WebhookChannel(settings.webhooks),
    )


def dispatcher(settings: Settings, sessionmaker: Sessionmaker, outbound: Channels) -> Dispatcher:
    composer = Composer(settings, Renderer())
    return Dispatcher(sessionmaker, settings.dispatcher, composer, outbound)


def consumer(
    settings: Settings, sessionmaker: Sessionmaker, service: str = SERVICE
) -> ConsumerRunner:
    return ConsumerRunner(
        service, TOPICS, routes(settings), sessionmaker, settings.kafka, settings.consumer
    )


async def run(settings: Settings) -> None:
    """Relay, consumer and dispatcher until SIGTERM or SIGINT."""
    settings.refuse_development_defaults()
    configure_logging(SERVICE, settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.db)
    sessionmaker = create_sessionmaker(engine)
    relay = Relay(
        SERVICE,
        asyncpg_dsn(settings.db.url),
        events_topic(SERVICE),
        settings.kafka,
        settings.relay,
    )
    outbound = channels(settings)
    jobs = [
        relay.run(stop),
        consumer(settings, sessionmaker).run(stop),
        dispatcher(settings, sessionmaker, outbound).run(stop),
    ]
    log.info("worker started")
    try:
        await asyncio.gather(*jobs)
    finally:
        await outbound.aclose()
        await engine.dispose()
    log.info("worker stopped")


def main() -> None:
    asyncio.run(run(Settings()))


if __name__ == "__main__":
    main()
