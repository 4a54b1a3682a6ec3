"""The notify worker: its outbox relay, the consumer of other services' events, and the
dispatcher that delivers notifications. The composition root of the messaging side."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from notify import maintenance
from notify.config import Settings
from notify.messaging import handlers
from notify.messaging.channels.email import SmtpChannel
from notify.messaging.channels.sms import Elks46Gateway
from notify.messaging.channels.webhook import WebhookChannel
from notify.messaging.dispatch_process import in_child_process
from notify.messaging.dispatcher import Channels, Dispatcher
from notify.messaging.handlers import HandlerConfig
from notify.messaging.ledger import Result
from notify.messaging.metrics import Tally, sample_queue, tally
from notify.messaging.outgoing import Composer
from notify.messaging.render import Renderer
from shared.consumer import Batch, ConsumerRunner, Route
from shared.contracts.patrols import PromiseFollowedUp, PromiseSigned, RoundCompleted
from shared.contracts.walks import (
    ActionPlanPublished,
    ActionPlanRevised,
    ActionPlanWithdrawn,
    MeasureStatusChanged,
    WalkRescheduled,
    WalkScheduled,
)
from shared.db import Sessionmaker, create_engine, create_sessionmaker
from shared.events import Contract
from shared.logs import configure_logging
from shared.settings import events_topic
from shared.tracing import configure_tracing
from shared.worker import Job, Jobs, every, run_worker, start
from shared.worker_metrics import sampling

log = logging.getLogger(__name__)

SERVICE = "notify"
TOPICS = [events_topic("walks"), events_topic("patrols")]


def routes(settings: Settings) -> dict[str, Route]:
    """Which handler takes which event; the handlers' settings are bound in here. Plan events
    go to their handlers in runs: under load, a partition's batch of them takes a few
    statements for all their messages and CAP alerts."""
    config = HandlerConfig(
        attempt_budget=settings.dispatcher.max_attempts,
        walk_invitation_buffer_m=settings.walk_invitation_buffer_m,
        cap=settings.cap,
    )
    runs: dict[type[Contract], Callable[..., Awaitable[None]]] = {
        ActionPlanPublished: handlers.on_action_plans_published,
        ActionPlanRevised: handlers.on_action_plans_revised,
        ActionPlanWithdrawn: handlers.on_action_plans_withdrawn,
    }
    # The handlers before their settings are bound in; bound, each is a consumer `Handler`.
    single: dict[type[Contract], Callable[..., Awaitable[None]]] = {
        MeasureStatusChanged: handlers.on_measure_status_changed,
        WalkScheduled: handlers.on_walk_scheduled,
        WalkRescheduled: handlers.on_walk_rescheduled,
        RoundCompleted: handlers.on_round_completed,
        PromiseSigned: handlers.on_promise_signed,
        PromiseFollowedUp: handlers.on_promise_followed_up,
    }
    table: dict[str, Route] = {c.wire_type: partial(h, config=config) for c, h in single.items()}
    table.update({c.wire_type: Batch(partial(h, config=config)) for c, h in runs.items()})
    return table


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


def jobs(settings: Settings) -> Jobs:
    """What notify's worker runs beside its relay: the consumer, the dispatcher (which owns
    its channels' connections), the housekeeping of personal data and limits, and the
    sampling of the dispatcher's queue for its metrics."""

    def made(sessionmaker: Sessionmaker) -> Sequence[Job]:
        async def deliver_here(stop: asyncio.Event) -> None:
            outbound = channels(settings)
            try:
                await dispatcher(settings, sessionmaker, outbound).run(stop)
            finally:
                await outbound.aclose()

        own = settings.dispatcher.own_process
        deliver = in_child_process(settings, deliver_in_child) if own else deliver_here

        tidy = partial(maintenance.tidy, settings=settings.dispatcher)
        interval = settings.dispatcher.maintenance_interval_s
        queue = sampling(settings.worker.sample_interval_s, [sample_queue], sessionmaker)
        return [
            consumer(settings, sessionmaker).run,
            deliver,
            every(interval, tidy, sessionmaker),
            queue,
        ]

    return made


async def deliver_in_child(
    settings: Settings, stop: asyncio.Event, report: Callable[[Tally], None]
) -> None:
    """The dispatcher process: its own logs, traces, database pool and channels; what it
    records is reported to the worker, which counts it into the metrics it serves."""
    configure_logging(SERVICE, settings.log_level)
    configure_tracing(SERVICE, "dispatcher", settings.tracing)
    engine = create_engine(settings.db)
    outbound = channels(settings)
    composer = Composer(settings, Renderer())
    sessionmaker = create_sessionmaker(engine)

    def counting(results: list[Result]) -> None:
        report(tally(results))

    try:
        log.info("dispatcher started")
        await Dispatcher(sessionmaker, settings.dispatcher, composer, outbound, counting).run(stop)
    finally:
        await outbound.aclose()
        await engine.dispose()
    log.info("dispatcher stopped")


async def run(settings: Settings) -> None:
    """Relay, consumer, dispatcher and housekeeping until SIGTERM or SIGINT."""
    await run_worker(service=SERVICE, settings=settings, jobs=jobs(settings))


def main() -> None:
    start(run(Settings()))


if __name__ == "__main__":
    main()
