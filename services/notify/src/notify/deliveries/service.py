"""The delivery log: notifications per plan, message or recipient, counts, and resending."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.deliveries.schemas import (
    AttemptRead,
    NotificationDetail,
    NotificationRead,
    StatusCounts,
)
from notify.directory.models import StakeholderContact
from notify.domain import (
    Channel,
    MessageKind,
    RecipientKind,
    Status,
    SubscriptionStatus,
    mask_address,
    utcnow,
)
from notify.errors import NotificationNotFound, NotResendable
from notify.messaging.models import DeliveryAttempt, Message, Notification
from notify.subscriptions.models import Subscription
from shared.auth import Principal
from shared.pagination import PageParams, fetch

RESENDABLE = (
    Status.DELIVERED,
    Status.TEMPORARY_FAILURE,
    Status.PERMANENT_FAILURE,
    Status.TECHNICAL_FAILURE,
)


@dataclass(frozen=True)
class NotificationFilter:
    municipality: str | None = None
    plan_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    status: Status | None = None
    channel: Channel | None = None
    recipient_kind: RecipientKind | None = None
    recipient_id: uuid.UUID | None = None
    stakeholder_id: uuid.UUID | None = None
    address: str | None = None


def _conditions(principal: Principal, where: NotificationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(Notification.municipality_code).in_(principal.municipalities)
    ]
    exact = {
        "municipality_code": where.municipality,
        "message_id": where.message_id,
        "status": where.status,
        "channel": where.channel,
        "recipient_kind": where.recipient_kind,
        "recipient_id": where.recipient_id,
        "stakeholder_id": where.stakeholder_id,
        "address": where.address,
    }
    conditions += [getattr(Notification, k) == v for k, v in exact.items() if v is not None]
    if where.plan_id is not None:
        plan_messages = select(Message.id).where(Message.plan_id == where.plan_id)
        conditions.append(col(Notification.message_id).in_(plan_messages))
    return conditions


def read(notification: Notification, message: Message) -> NotificationRead:
    masked = mask_address(notification.address)
    error = notification.last_error
    if error and notification.address and masked:
        error = error.replace(notification.address, masked)
    return NotificationRead.model_validate(
        {
            **notification.model_dump(),
            "address": masked,
            "last_error": error,
            "kind": message.kind,
            "event_type": message.event_type,
            "plan_id": message.plan_id,
        }
    )


async def list_notifications(
    session: AsyncSession, principal: Principal, where: NotificationFilter, page: PageParams
) -> tuple[list[NotificationRead], int]:
    statement = select(Notification).where(*_conditions(principal, where))
    rows, total = await fetch(
        session, statement.order_by(col(Notification.created_at), col(Notification.id)), page
    )
    messages = await _messages(session, {n.message_id for n in rows})
    return [read(n, messages[n.message_id]) for n in rows], total


async def _messages(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Message]:
    rows = await session.exec(select(Message).where(col(Message.id).in_(ids)))
    return {m.id: m for m in rows}


async def get(
    session: AsyncSession, principal: Principal, notification_id: uuid.UUID, *, lock: bool = False
) -> Notification:
    statement = select(Notification).where(Notification.id == notification_id)
    if lock:
        # Locked rows are read afresh: a row already in the session may be out of date.
        statement = statement.with_for_update().execution_options(populate_existing=True)
    found = (await session.exec(statement)).first()
    if found is None or not (
        found.municipality_code and principal.may_access(found.municipality_code)
    ):
        raise NotificationNotFound(f"There is no notification {notification_id}.")
    return found


async def detail(
    session: AsyncSession, principal: Principal, notification_id: uuid.UUID
) -> NotificationDetail:
    notification = await get(session, principal, notification_id)
    message = (await _messages(session, {notification.message_id}))[notification.message_id]
    attempts = await session.exec(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.notification_id == notification.id)
        .order_by(col(DeliveryAttempt.attempt), col(DeliveryAttempt.id))
    )
    summary = read(notification, message)
    log = [AttemptRead.model_validate(a.model_dump()) for a in attempts]
    return NotificationDetail(**summary.model_dump(), attempt_log=log)


async def counts(
    session: AsyncSession, principal: Principal, where: NotificationFilter
) -> StatusCounts:
    statement = (
        select(Notification.channel, Notification.status, func.count())
        .where(*_conditions(principal, where))
        .group_by(col(Notification.channel), col(Notification.status))
    )
    return tally((await session.exec(statement)).all())


def tally(rows: Sequence[tuple[str, str, int]]) -> StatusCounts:
    by_status: dict[Status, int] = {}
    by_channel: dict[Channel, dict[Status, int]] = {}
    for channel, status, n in rows:
        by_status[Status(status)] = by_status.get(Status(status), 0) + n
        by_channel.setdefault(Channel(channel), {})[Status(status)] = n
    return StatusCounts(total=sum(by_status.values()), by_status=by_status, by_channel=by_channel)


async def resend(
    session: AsyncSession, principal: Principal, notification_id: uuid.UUID, budget: int
) -> Notification:
    """Queue a finished notification again, under the same id (receivers may drop it as a
    duplicate if it did arrive); never to someone who has since opted out or been erased."""
    notification = await get(session, principal, notification_id, lock=True)
    if notification.status not in RESENDABLE or notification.next_attempt_at is not None:
        raise NotResendable(f"The notification is {notification.status} and not finished.")
    if notification.address is None or not await _still_wanted(session, notification):
        raise NotResendable("The recipient has opted out or been erased.")
    notification.status = Status.CREATED
    notification.next_attempt_at = utcnow()
    notification.attempt_budget = notification.attempts + budget
    notification.updated_at = utcnow()
    session.add(notification)
    return notification


async def _still_wanted(session: AsyncSession, notification: Notification) -> bool:
    if notification.recipient_id is None:
        # A message to one person has no recipient record to opt out of: its address (still
        # there, so not erased) is all there is. Any other row without a recipient was erased.
        message = await session.get(Message, notification.message_id)
        return message is not None and message.kind == MessageKind.TRANSACTIONAL
    if notification.recipient_kind == RecipientKind.RESIDENT:
        subscription = await session.get(Subscription, notification.recipient_id)
        return subscription is not None and subscription.status != SubscriptionStatus.UNSUBSCRIBED
    if notification.recipient_kind == RecipientKind.CONTACT:
        contact = await session.get(StakeholderContact, notification.recipient_id)
        return contact is not None and contact.opted_out_at is None
    return True
