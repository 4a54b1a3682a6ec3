"""The record of deliveries: each attempt, each notification's status, and the events that
tell integrators what became of a notification (without personal data)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.domain import Status, utcnow
from notify.messaging.channels.base import Outcome
from notify.messaging.outgoing import Claimed, MessageFacts
from shared.contracts.notify import NotificationDelivered, NotificationFailed
from shared.events import Contract
from shared.outbox import emit_many

# A row erased while it was being sent keeps its erasure: no provider text comes back.
RECORD = text(
    """
    UPDATE notification n SET status = r.status, next_attempt_at = r.next_at,
      last_error = CASE WHEN n.address IS NULL THEN NULL ELSE r.error END,
      provider_ref = CASE WHEN n.address IS NULL THEN NULL
                          ELSE coalesce(r.ref, n.provider_ref) END,
      delivered_at = CASE WHEN r.status = 'delivered' THEN r.finished ELSE n.delivered_at END,
      updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]),
                CAST(:next AS timestamptz[]), CAST(:errors AS text[]), CAST(:refs AS text[]),
                CAST(:finished AS timestamptz[]), CAST(:attempts AS integer[]))
      AS r(id, status, next_at, error, ref, finished, attempt)
    WHERE n.id = r.id AND n.status = 'sending' AND n.attempts = r.attempt
    RETURNING n.id
    """
)
ATTEMPTS = text(
    """
    INSERT INTO delivery_attempt (notification_id, attempt, outcome, detail, provider_ref,
      started_at, finished_at)
    SELECT r.id, r.attempt, r.outcome,
      CASE WHEN n.address IS NULL THEN NULL ELSE r.detail END,
      CASE WHEN n.address IS NULL THEN NULL ELSE r.ref END, r.started, r.finished
    FROM unnest(CAST(:ids AS uuid[]), CAST(:attempts AS integer[]),
                CAST(:outcomes AS text[]), CAST(:details AS text[]), CAST(:refs AS text[]),
                CAST(:started AS timestamptz[]), CAST(:finished AS timestamptz[]))
      AS r(id, attempt, outcome, detail, ref, started, finished)
    JOIN notification n ON n.id = r.id
    """
)


# An SMS the gateway took (`sending`) is settled by its delivery report.
SETTLE_SMS = text(
    """
    UPDATE notification n SET status = p.status, updated_at = now(),
      delivered_at = CASE WHEN p.status = 'delivered' THEN now() ELSE n.delivered_at END,
      last_error = CASE WHEN p.status = 'delivered' THEN NULL
                        ELSE 'the gateway reported the SMS failed' END
    FROM message m, (SELECT CAST(:status AS text) AS status) AS p
    WHERE n.id = :id AND n.channel = 'sms' AND n.status = 'sending' AND m.id = n.message_id
    RETURNING n.id, n.message_id, n.channel, n.recipient_kind, n.attempts, m.event_id,
      m.event_type, m.municipality_code
    """
)


@dataclass(frozen=True)
class Result:
    """One attempt at one notification, and when (if ever) to try again."""

    claimed: Claimed
    outcome: Outcome
    started_at: datetime
    finished_at: datetime
    next_attempt_at: datetime | None

    @property
    def final(self) -> bool:
        return self.next_attempt_at is None and self.outcome.status != Status.SENDING


async def record(session: AsyncSession, results: list[Result]) -> list[Result]:
    """Store every outcome and attempt of a batch in two statements; returns the results
    recorded. A row claimed again since (its lease ran out) is the later claim's: a late
    record leaves it, and its attempt, alone."""
    conn = await session.connection()
    ids = [r.claimed.id for r in results]
    updated = await conn.execute(
        RECORD,
        {
            "ids": ids,
            "statuses": [r.outcome.status.value for r in results],
            "next": [r.next_attempt_at for r in results],
            "errors": [
                None if r.outcome.status == Status.DELIVERED else r.outcome.detail for r in results
            ],
            "refs": [r.outcome.provider_ref for r in results],
            "finished": [r.finished_at for r in results],
            "attempts": [r.claimed.attempts for r in results],
        },
    )
    ours = set(updated.scalars())
    results = [r for r in results if r.claimed.id in ours]
    ids = [r.claimed.id for r in results]
    await conn.execute(
        ATTEMPTS,
        {
            "ids": ids,
            "attempts": [r.claimed.attempts for r in results],
            "outcomes": [r.outcome.status.value for r in results],
            "details": [r.outcome.detail for r in results],
            "refs": [r.outcome.provider_ref for r in results],
            "started": [r.started_at for r in results],
            "finished": [r.finished_at for r in results],
        },
    )
    return results


async def emit_outcomes(
    session: AsyncSession, results: list[Result], messages: dict[uuid.UUID, MessageFacts]
) -> None:
    """notification.delivered / notification.failed for every notification that is done,
    into the outbox in one statement (a row object per event would cost more than the send)."""
    await emit_many(session, [_outcome(r, messages[r.claimed.message_id]) for r in results])


def _outcome(result: Result, message: MessageFacts) -> Contract:
    claimed, outcome = result.claimed, result.outcome
    facts = {
        "notification_id": claimed.id,
        "message_id": message.id,
        "cause_event_id": message.event_id,
        "cause_event_type": message.event_type,
        "municipality_code": message.municipality_code,
        "channel": claimed.channel,
        "recipient_kind": claimed.recipient_kind,
        "attempts": claimed.attempts,
    }
    if outcome.status == Status.DELIVERED:
        return NotificationDelivered(**facts, delivered_at=result.finished_at)
    return NotificationFailed(
        **facts,
        status=outcome.status.value,
        reason=outcome.reason[:100],
        failed_at=result.finished_at,
    )


async def settle_sms(session: AsyncSession, notification_id: uuid.UUID, delivered: bool) -> bool:
    """Record what the SMS gateway reported, and tell integrators; False if nothing was due."""
    conn = await session.connection()
    status = Status.DELIVERED if delivered else Status.PERMANENT_FAILURE
    params = {"status": status.value, "id": notification_id}
    row = (await conn.execute(SETTLE_SMS, params)).mappings().first()
    if row is None:
        return False
    now = utcnow()
    event: Contract = (
        NotificationDelivered(**_facts(row), delivered_at=now)
        if delivered
        else NotificationFailed(
            **_facts(row), status=status.value, reason="sms-failed", failed_at=now
        )
    )
    await emit_many(session, [event])
    return True


def _facts(row: Any) -> dict[str, Any]:
    return {
        "notification_id": row["id"],
        "message_id": row["message_id"],
        "cause_event_id": row["event_id"],
        "cause_event_type": row["event_type"],
        "municipality_code": row["municipality_code"],
        "channel": row["channel"],
        "recipient_kind": row["recipient_kind"],
        "attempts": row["attempts"],
    }
