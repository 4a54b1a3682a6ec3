"""What counts towards a promise's commitments, from the events of walks, tips and patrols.

A commitment counts only events of its municipality that fall within its promise's period.
Tips publish no event of a dialogue of their own: a dialogue is known from the tips it gave
(`source_type` "dialogue"), and counted once however many inputs it had.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.promises.schemas import Indicator
from patrols.promises.service import Applies, Contribution, count, link_activities, start_of
from shared.consumer import EventMeta
from shared.contracts.patrols import RoundCompleted, SituationReportApproved
from shared.contracts.tips import TipReceived
from shared.contracts.walks import (
    ActionPlanPublished,
    MeasureStatusChanged,
    ProtocolPublished,
    WalkConducted,
)


def walk_key(event: WalkConducted | ProtocolPublished) -> str:
    return f"walk:{event.walk_id}"


async def on_walk_conducted(
    event: WalkConducted, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """A safety walk held: one for `walks_held`, if in one of the commitment's localities."""
    item = Contribution(
        walk_key(event),
        meta.id,
        "walk",
        event.conducted_at,
        f"Trygghetsvandring i {event.locality}",
    )
    applies = Applies("localities", [event.locality])
    await count(session, event.municipality_code, Indicator.WALKS_HELD, item, applies)


async def on_protocol_published(
    event: ProtocolPublished, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """The walk's protocol is public: the walk counted links to it."""
    await link_activities(session, walk_key(event), event.public_url)


async def on_action_plan_published(
    event: ActionPlanPublished, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """A published action plan is an activity of the measures commitments, adding nothing to
    their figure: it is what the measures are counted from, and residents can follow it."""
    item = Contribution(
        f"plan:{event.plan_id}",
        meta.id,
        "action_plan",
        event.published_at,
        f"Åtgärdsplan: {event.title}",
        event.public_url,
        amount=0,
    )
    await count(session, event.municipality_code, Indicator.MEASURES_DONE_ON_TIME, item)


async def on_measure_status_changed(
    event: MeasureStatusChanged, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """A measure done on or before its due date counts once; a late one, or one without a due
    date, does not: the promise is about keeping time."""
    measure = event.measure
    if measure.status != "done" or measure.due_date is None:
        return
    done_on = event.changed_at.astimezone(start_of(measure.due_date).tzinfo).date()
    if done_on > measure.due_date:
        return
    item = Contribution(
        f"measure:{measure.measure_id}",
        meta.id,
        "measure",
        event.changed_at,
        f"Åtgärd genomförd i tid: {measure.title}",
        event.public_url,
    )
    await count(session, event.municipality_code, Indicator.MEASURES_DONE_ON_TIME, item)


async def on_round_completed(
    event: RoundCompleted, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """A patrol round done: one for `rounds_done`, if it visited one of the commitment's spots."""
    names = ", ".join(place.name for place in event.places)
    item = Contribution(
        f"round:{event.round_id}", meta.id, "round", start_of(event.day), f"Trygghetsrunda: {names}"
    )
    applies = Applies("hot_spot_ids", [str(place.hot_spot_id) for place in event.places])
    await count(session, event.municipality_code, Indicator.ROUNDS_DONE, item, applies)


async def on_tip_received(event: TipReceived, session: AsyncSession, /, *, meta: EventMeta) -> None:
    """A dialogue's input: the dialogue counts once for `dialogues_held`."""
    if event.source_type != "dialogue" or event.dialogue_id is None:
        return
    item = Contribution(
        f"dialogue:{event.dialogue_id}",
        meta.id,
        "dialogue",
        event.received.start,
        "Medborgardialog" + (f" i {event.locality}" if event.locality else ""),
    )
    await count(session, event.municipality_code, Indicator.DIALOGUES_HELD, item)


async def on_situation_report_approved(
    event: SituationReportApproved, session: AsyncSession, /, *, meta: EventMeta
) -> None:
    """A week's lägesbild approved: the week counts once, however many corrections follow."""
    item = Contribution(
        f"week:{event.year}-W{event.week:02d}",
        meta.id,
        "situation_report",
        event.approved_at,
        f"Lägesbild vecka {event.week} {event.year} godkänd",
    )
    await count(session, event.municipality_code, Indicator.WEEKLY_PICTURES_APPROVED, item)
