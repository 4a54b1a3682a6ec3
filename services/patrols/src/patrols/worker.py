"""The patrols worker: its outbox relay, the consumer that takes tips' and walks' events into
the situational picture, and the purge of expired idempotency keys and yesterday's rate-limit
counts."""

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.config import Settings
from patrols.incidents import handlers as incidents
from patrols.promises import handlers as promises
from shared.consumer import ConsumerRunner, EventMeta, Handler
from shared.contracts.patrols import RoundCompleted, SituationReportApproved
from shared.contracts.tips import TipReceived
from shared.contracts.walks import (
    ActionPlanPublished,
    MeasureStatusChanged,
    ProtocolPublished,
    WalkConducted,
)
from shared.db import Sessionmaker
from shared.settings import events_topic
from shared.worker import (
    HOUSEKEEPING_INTERVAL_S,
    Job,
    Jobs,
    every,
    purge_expired,
    run_worker,
    start,
)

SERVICE = "patrols"
# Its own topic too: a completed round and an approved week count towards promises.
TOPICS = [events_topic("tips"), events_topic("walks"), events_topic("patrols")]


def both(*handlers: Handler) -> Handler:
    """One event taken by several capabilities, one after the other in its transaction."""

    async def handle(event: Any, session: AsyncSession, /, *, meta: EventMeta) -> None:
        for handler in handlers:
            await handler(event, session, meta=meta)

    return handle


def routes(settings: Settings) -> dict[str, Handler]:
    """Which handler takes which event. Any other type on the topics has no row here and is
    skipped: counted as ignored, neither handled nor dead-lettered."""
    return {
        TipReceived.wire_type: both(incidents.on_tip_received, promises.on_tip_received),
        WalkConducted.wire_type: both(incidents.on_walk_conducted, promises.on_walk_conducted),
        ProtocolPublished.wire_type: promises.on_protocol_published,
        ActionPlanPublished.wire_type: promises.on_action_plan_published,
        MeasureStatusChanged.wire_type: promises.on_measure_status_changed,
        RoundCompleted.wire_type: promises.on_round_completed,
        SituationReportApproved.wire_type: promises.on_situation_report_approved,
    }


def consumer(
    settings: Settings, sessionmaker: Sessionmaker, service: str = SERVICE
) -> ConsumerRunner:
    return ConsumerRunner(
        service, TOPICS, routes(settings), sessionmaker, settings.kafka, settings.consumer
    )


def jobs(settings: Settings) -> Jobs:
    """What the worker runs beside its relay; a new job of the service joins this list."""

    def made(sessionmaker: Sessionmaker) -> Sequence[Job]:
        return [
            consumer(settings, sessionmaker).run,
            every(HOUSEKEEPING_INTERVAL_S, purge_expired, sessionmaker),
        ]

    return made


async def run(settings: Settings) -> None:
    """Relay, consumer and housekeeping until SIGTERM or SIGINT."""
    await run_worker(service=SERVICE, settings=settings, jobs=jobs(settings))


def main() -> None:
    start(run(Settings()))


if __name__ == "__main__":
    main()
