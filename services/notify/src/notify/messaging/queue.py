"""Writing messages and notifications: what the handlers, the API and the fan-out share."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.domain import Channel, MessageKind, RecipientKind, Status, Topic, utcnow
from notify.messaging.models import Message, Notification
from shared.tracing import current_traceparent

# Queued notifications to recipients who have since opted out are never sent.
CANCEL_QUEUED = text(
    """
    UPDATE notification SET status = 'cancelled', next_attempt_at = NULL, updated_at = now(),
      last_error = :reason
    WHERE recipient_id = ANY(CAST(:ids AS uuid[])) AND status <> 'sending'
      AND next_attempt_at IS NOT NULL
    """
)

# Erasure keeps delivery statistics: the rows stay, with nothing that leads to the person.
FORGET = text(
    """
    WITH forgotten AS (
      UPDATE notification SET address = NULL, recipient_id = NULL, last_error = NULL,
        status = CASE WHEN next_attempt_at IS NOT NULL AND status <> 'sending'
                      THEN 'cancelled' ELSE status END,
        next_attempt_at = NULL, updated_at = now()
      WHERE recipient_id = ANY(CAST(:ids AS uuid[])) OR address = ANY(CAST(:addresses AS text[]))
      RETURNING id)
    UPDATE delivery_attempt SET detail = NULL, provider_ref = NULL
    WHERE notification_id IN (SELECT id FROM forgotten)
    """
)


@dataclass(frozen=True)
class NewMessage:
    """A message about to be written: one per event, or one per transactional send."""

    event_id: str
    event_type: str
    kind: MessageKind
    subject: str
    payload: dict[str, Any]
    topic: Topic | None = None
    municipality_code: str | None = None
    plan_id: uuid.UUID | None = None
    created_by: str | None = None
    told_data: dict[str, Any] | None = None


# Built once: the values come as parameters, so SQLAlchemy neither builds nor keys the statement
# again for every event.
ADD_MESSAGES = (
    insert(Message)
    .on_conflict_do_nothing(index_elements=["event_id"])
    .returning(col(Message.event_id), col(Message.id))
)


async def add_message(session: AsyncSession, new: NewMessage) -> uuid.UUID | None:
    """The new message's id; None when a message for this event exists already (a
    redelivered event, or one another worker handles at the same moment)."""
    return (await add_messages(session, [new])).get(new.event_id)


async def add_messages(session: AsyncSession, news: Sequence[NewMessage]) -> dict[str, uuid.UUID]:
    """Write the messages in one statement; returns the new ones' ids by event id (an event
    that has a message already is left out)."""
    if not news:
        return {}
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "event_id": new.event_id,
            "event_type": new.event_type,
            "kind": new.kind.value,
            "topic": new.topic.value if new.topic else None,
            "municipality_code": new.municipality_code,
            "subject": new.subject,
            "plan_id": new.plan_id,
            "payload": new.payload,
            "told_data": new.told_data,
            "created_by": new.created_by,
            "created_at": now,
        }
        for new in news
    ]
    result = await (await session.connection()).execute(ADD_MESSAGES, rows)
    return {row.event_id: row.id for row in result}


async def add_notification(
    session: AsyncSession,
    message_id: uuid.UUID,
    message: NewMessage,
    *,
    recipient_kind: RecipientKind,
    recipient_id: uuid.UUID | None,
    channel: Channel,
    address: str,
    language: str,
    budget: int,
) -> None:
    """One notification of a message just written, due now."""
    now = utcnow()
    session.add(
        Notification(
            message_id=message_id,
            event_id=message.event_id,
            municipality_code=message.municipality_code,
            recipient_kind=recipient_kind.value,
            recipient_id=recipient_id,
            channel=channel.value,
            address=address,
            language=language,
            status=Status.CREATED,
            attempt_budget=budget,
            next_attempt_at=now,
            traceparent=current_traceparent(),
            created_at=now,
            updated_at=now,
        )
    )
    # Written at once: the statements that follow (counts, caps) read the table directly.
    await session.flush()


async def cancel_queued(session: AsyncSession, recipient_ids: list[uuid.UUID], reason: str) -> None:
    conn = await session.connection()
    await conn.execute(CANCEL_QUEUED, {"ids": recipient_ids, "reason": reason})


async def forget_recipients(
    session: AsyncSession, recipient_ids: list[uuid.UUID], addresses: list[str]
) -> None:
    """Clear these recipients (subscriptions, contacts) and addresses from the delivery log;
    what was still queued for them is cancelled."""
    conn = await session.connection()
    await conn.execute(FORGET, {"ids": recipient_ids, "addresses": addresses})
