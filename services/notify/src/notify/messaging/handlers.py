"""What notify does with the events it consumes: one message per event, its audience, CAP.

Each handler runs in the consumer's transaction, after the event's inbox row is claimed, so a
redelivered event does nothing. Events about places where no one subscribed (other tenants,
other tests) find an empty audience and create no notification.
"""

import contextlib
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.domain import MessageKind, Topic
from notify.feeds import service as cap
from notify.feeds.service import PlanEvent
from notify.messaging import audience, queue, rounds
from notify.messaging.audience import Reach
from shared.consumer import EventMeta, Received
from shared.contracts.patrols import PromiseFollowedUp, PromiseSigned, RoundCompleted
from shared.contracts.walks import (
    ActionPlanPublished,
    ActionPlanRevised,
    ActionPlanWithdrawn,
    MeasureStatusChanged,
    WalkRescheduled,
    WalkScheduled,
)


@dataclass(frozen=True)
class HandlerConfig:
    """What handlers need from the settings, bound in by the worker."""

    attempt_budget: int
    walk_invitation_buffer_m: int
    cap: CapSettings


async def _tell(
    session: AsyncSession,
    meta: EventMeta,
    config: HandlerConfig,
    kind: MessageKind,
    reach: Reach,
    plan_id: uuid.UUID | None = None,
) -> None:
    """Write the event's message and create its notifications."""
    new = _message(meta, kind, reach.topic, reach.municipality_code, plan_id)
    message_id = await queue.add_message(session, new)
    if message_id is not None:
        await audience.fan_out(
            session, message_id, meta.id, new.subject, reach, config.attempt_budget
        )


def _plan_reach(
    event: ActionPlanPublished | ActionPlanRevised | ActionPlanWithdrawn, told_before: bool
) -> Reach:
    return Reach(
        municipality_code=event.municipality_code,
        topic=Topic.ACTION_PLANS,
        area=event.affected_area,
        buffer_m=event.buffer_m,
        responsible_keys=sorted({m.responsible.key for m in event.measures}),
        categories=sorted({m.category for m in event.measures if m.category}),
        event_type=event.wire_type,
        told_before=told_before,
    )


@dataclass(frozen=True)
class PlanNews:
    """What a kind of plan event tells: its message, its CAP alert, whom besides the area."""

    kind: MessageKind
    cap_msg_type: str
    # Whoever heard of the plan before hears again (a revision, a withdrawal).
    told_before: bool


PUBLISHED = PlanNews(MessageKind.PLAN_PUBLISHED, "Alert", told_before=False)
REVISED = PlanNews(MessageKind.PLAN_REVISED, "Update", told_before=True)
WITHDRAWN = PlanNews(MessageKind.PLAN_WITHDRAWN, "Cancel", told_before=True)


class Consumed(Protocol):
    """A plan event and where it came from (a consumer's `Received`), with its trace."""

    @property
    def event(self) -> PlanEvent: ...
    @property
    def meta(self) -> EventMeta: ...
    def context(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class _Alone:
    """One event handled on its own: the consumer has set its trace already."""

    event: PlanEvent
    meta: EventMeta

    def context(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()


def _sent(event: PlanEvent) -> datetime:
    if isinstance(event, ActionPlanPublished):
        return event.published_at
    if isinstance(event, ActionPlanRevised):
        return event.revised_at
    return event.withdrawn_at


async def tell_plans(
    session: AsyncSession, plans: Sequence[Consumed], news: PlanNews, config: HandlerConfig
) -> None:
    """Tell those each plan affects, and store each as a CAP alert. A run of plan events takes
    one statement for the messages and two for the alerts, whatever its length; each plan's
    audience is resolved on its own (three statements), within its event's trace."""
    messages = [
        _message(p.meta, news.kind, Topic.ACTION_PLANS, p.event.municipality_code, p.event.plan_id)
        for p in plans
    ]
    created = await queue.add_messages(session, messages)
    for plan, message in zip(plans, messages, strict=True):
        message_id = created.get(message.event_id)
        if message_id is None:
            continue  # told already: a message for this event exists
        with plan.context():
            reach = _plan_reach(plan.event, news.told_before)
            await audience.fan_out(
                session, message_id, message.event_id, message.subject, reach, config.attempt_budget
            )
    alerts = [cap.AlertOf(p.event, news.cap_msg_type, _sent(p.event)) for p in plans]
    await cap.record_alerts(session, alerts, config.cap)


def _message(
    meta: EventMeta,
    kind: MessageKind,
    topic: Topic,
    municipality_code: str,
    plan_id: uuid.UUID | None = None,
) -> queue.NewMessage:
    return queue.NewMessage(
        event_id=meta.id,
        event_type=meta.type,
        kind=kind,
        subject=meta.subject or meta.id,
        # The event as it came, nulls included: templates and webhooks see every field.
        payload=meta.envelope.model_dump(mode="json"),
        topic=topic,
        municipality_code=municipality_code,
        plan_id=plan_id,
    )


async def on_action_plans_published(
    batch: Sequence[Received], session: AsyncSession, /, *, config: HandlerConfig
) -> None:
    """Tell those the plans affect, and publish each as a CAP alert."""
    await tell_plans(session, batch, PUBLISHED, config)


async def on_action_plans_revised(
    batch: Sequence[Received], session: AsyncSession, /, *, config: HandlerConfig
) -> None:
    """Tell those the revised plans affect, and whoever heard of them before; CAP Updates."""
    await tell_plans(session, batch, REVISED, config)


async def on_action_plans_withdrawn(
    batch: Sequence[Received], session: AsyncSession, /, *, config: HandlerConfig
) -> None:
    """Tell whoever heard of the plans that they no longer hold; CAP Cancels."""
    await tell_plans(session, batch, WITHDRAWN, config)


async def on_action_plan_published(
    event: ActionPlanPublished,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """One published plan (the consumer hands runs of them to `on_action_plans_published`)."""
    await tell_plans(session, [_Alone(event, meta)], PUBLISHED, config)


async def on_action_plan_revised(
    event: ActionPlanRevised,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """One revised plan (the consumer hands runs of them to `on_action_plans_revised`)."""
    await tell_plans(session, [_Alone(event, meta)], REVISED, config)


async def on_action_plan_withdrawn(
    event: ActionPlanWithdrawn,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """One withdrawn plan (the consumer hands runs of them to `on_action_plans_withdrawn`)."""
    await tell_plans(session, [_Alone(event, meta)], WITHDRAWN, config)


def _walk_reach(event: WalkScheduled | WalkRescheduled, buffer_m: int, told_before: bool) -> Reach:
    return Reach(
        municipality_code=event.municipality_code,
        topic=Topic.WALK_INVITATIONS,
        area=event.area,
        buffer_m=buffer_m,
        event_type=event.wire_type,
        told_before=told_before,
    )


async def on_walk_scheduled(
    event: WalkScheduled,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """Invite residents and local organisations of the walk's area, unless it was held already."""
    if event.starts_at <= meta.envelope.time:
        # A walk recorded after it took place: an invitation to it would help no one.
        return
    reach = _walk_reach(event, config.walk_invitation_buffer_m, told_before=False)
    await _tell(session, meta, config, MessageKind.WALK_SCHEDULED, reach)


async def on_walk_rescheduled(
    event: WalkRescheduled,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """Tell those invited, and those in the walk's new area, what changed."""
    reach = _walk_reach(event, config.walk_invitation_buffer_m, told_before=True)
    await _tell(session, meta, config, MessageKind.WALK_RESCHEDULED, reach)


async def on_measure_status_changed(
    event: MeasureStatusChanged,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """A finished measure is news for the area ("the lighting is fixed"); other changes go to
    integrators only."""
    done = event.measure.status == "done"
    reach = Reach(
        municipality_code=event.municipality_code,
        topic=Topic.MEASURES_DONE,
        area=event.affected_area,
        buffer_m=event.buffer_m,
        responsible_keys=[event.measure.responsible.key] if done else [],
        categories=[event.measure.category] if event.measure.category else [],
        event_type=event.wire_type,
        residents=done,
        area_stakeholders=done,
    )
    kind = MessageKind.MEASURE_DONE if done else MessageKind.MEASURE_CHANGED
    await _tell(session, meta, config, kind, reach, event.plan_id)


async def on_round_completed(
    event: RoundCompleted,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """Tell the residents of the places a patrol round visited, each place once a day, and
    integrators subscribed to rounds every round as it came.

    Feedback to residents, who asked for it by the topic: organisations' contacts are not
    told. Not a CAP alert either: a round that is over warns of nothing.
    """
    places = await rounds.claim_places(session, event, meta.id)
    new = queue.NewMessage(
        event_id=meta.id,
        event_type=meta.type,
        kind=MessageKind.ROUND_COMPLETED,
        subject=meta.subject or meta.id,
        payload=meta.envelope.model_dump(mode="json"),
        topic=Topic.PATROL_FEEDBACK,
        municipality_code=event.municipality_code,
        told_data=rounds.as_told(event, places) if places else None,
    )
    message_id = await queue.add_message(session, new)
    if message_id is None:
        return
    code, topic, budget = event.municipality_code, Topic.PATROL_FEEDBACK, config.attempt_budget
    integrators = Reach(code, topic, event_type=event.wire_type, area_stakeholders=False)
    await audience.fan_out(session, message_id, meta.id, new.subject, integrators, budget)
    # One audience per place: the unique keys of notification keep one message per person
    # and channel however many of the places their subscriptions meet.
    for place in places:
        residents = Reach(code, topic, area=place.area, area_stakeholders=False)
        await audience.fan_out(session, message_id, meta.id, new.subject, residents, budget)


def _promise_reach(event: PromiseSigned | PromiseFollowedUp) -> Reach:
    """The whole municipality's residents who chose the promise, and integrators.

    A promise covers the municipality, not a place: a resident hears of it wherever their
    subscription's place is. Organisations' contacts are not told; it is no alert either.
    """
    return Reach(
        municipality_code=event.municipality_code,
        topic=Topic.PROMISE,
        event_type=event.wire_type,
        area_stakeholders=False,
        whole_municipality=True,
    )


async def on_promise_signed(
    event: PromiseSigned,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """Tell the municipality's residents who chose the promise that it was signed."""
    await _tell(session, meta, config, MessageKind.PROMISE_SIGNED, _promise_reach(event))


async def on_promise_followed_up(
    event: PromiseFollowedUp,
    session: AsyncSession,
    *,
    meta: EventMeta,
    config: HandlerConfig,
) -> None:
    """Tell the municipality's residents who chose the promise how far its commitments got."""
    await _tell(session, meta, config, MessageKind.PROMISE_FOLLOWED_UP, _promise_reach(event))
