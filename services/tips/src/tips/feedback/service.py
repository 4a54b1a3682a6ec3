"""Handing the messages owed to tipsters to notify: the acknowledgement of a tip that left a
contact, and the closing message once it is closed. The worker runs this.

Each row goes in three steps, none of them waiting on the network inside a transaction: it is
claimed (`FOR UPDATE SKIP LOCKED`, and a lease in `next_attempt_at`, so no two workers hand it
over at once), handed over, and its outcome recorded and committed on its own, so one row's
failure never undoes another's `sent_at`. A worker that dies between the hand-over and the
record leaves the lease to run out; the next try uses the same Idempotency-Key and notify
answers with the message it already has.

The contact is read only to be handed over: it is never logged, stored anywhere else or put in
an event.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.db import Sessionmaker
from tips.categories.models import Category
from tips.config import Settings
from tips.domain import utcnow
from tips.feedback import client as notify
from tips.feedback import texts
from tips.feedback.models import TipFeedback
from tips.tips.models import Tip, TipContact

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0
# Rows handed over per round at most; the rest wait for the next round.
ROUND = 100
NO_CONTACT = "no contact"


@dataclass(frozen=True)
class Claimed:
    feedback_id: uuid.UUID
    tip_id: uuid.UUID
    # None: nothing to hand over (the tip has no contact any more); the row is settled.
    message: notify.DirectMessage | None


def idempotency_key(feedback_id: uuid.UUID) -> str:
    return f"tip-feedback-{feedback_id}"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: doubling from a minute, at most an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2**attempts, BACKOFF_MAX_S))


def lease(settings: Settings) -> timedelta:
    """Long enough for one hand-over to end, however slowly notify answers."""
    return timedelta(seconds=max(60.0, 3 * settings.notify.timeout_s))


async def send_pending(
    sessionmaker: Sessionmaker, client: httpx.AsyncClient, settings: Settings
) -> int:
    """Hand every due message to notify; returns how many notify took."""
    sent = 0
    for _ in range(ROUND):
        claimed = await claim_next(sessionmaker, lease(settings))
        if claimed is None:
            break
        if claimed.message is not None:
            key = idempotency_key(claimed.feedback_id)
            handover = await notify.hand_over(client, settings, key, claimed.message)
            await record(sessionmaker, claimed, handover)
            sent += handover.result is notify.Result.SENT
    return sent


async def claim_next(sessionmaker: Sessionmaker, lease: timedelta) -> Claimed | None:
    """The next due row, leased to this worker with the message to hand over (or settled here,
    its tip having no contact any more); None when nothing is due."""
    async with sessionmaker() as session, session.begin():
        now = utcnow()
        row = (await session.exec(_due(now))).first()
        if row is None:
            return None
        contact = await session.get(TipContact, row.tip_id)
        if contact is None or (contact.email is None and contact.phone is None):
            _settle(row, now, attempts=MAX_ATTEMPTS, error=NO_CONTACT)
            log.info("feedback %s of tip %s has no contact; nothing sent", row.id, row.tip_id)
            return Claimed(row.id, row.tip_id, None)
        message = await _message(session, row, contact)
        row.next_attempt_at = now + lease
        session.add(row)
        return Claimed(row.id, row.tip_id, message)


def _due(now: datetime) -> SelectOfScalar[TipFeedback]:
    due = or_(col(TipFeedback.next_attempt_at).is_(None), col(TipFeedback.next_attempt_at) <= now)
    return (
        select(TipFeedback)
        .where(col(TipFeedback.sent_at).is_(None), TipFeedback.attempts < MAX_ATTEMPTS, due)
        .order_by(col(TipFeedback.created_at), col(TipFeedback.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def _message(
    session: AsyncSession, row: TipFeedback, contact: TipContact
) -> notify.DirectMessage:
    tip = await session.get(Tip, row.tip_id)
    assert tip is not None  # the row's foreign key
    about = await _about(session, tip)
    text = texts.compose(row.kind, about)
    return notify.DirectMessage(
        municipality_code=tip.municipality_code,
        email=contact.email,
        phone=contact.phone,
        language=texts.language_of(about),
        subject=text.subject,
        body=text.body,
        reference=f"tip:{tip.id}:{row.kind}",
    )


async def _about(session: AsyncSession, tip: Tip) -> texts.About:
    category = await session.get(Category, (tip.municipality_code, tip.category_code))
    name = tip.category_code
    if category is not None:
        name = (category.name_en if tip.language == "en" else None) or category.name_sv
    return texts.About(
        tip_id=tip.id,
        language=tip.language,
        category=name,
        received_at=tip.created_at,
        outcome=tip.outcome,
        public_note=tip.public_note,
    )


async def record(sessionmaker: Sessionmaker, claimed: Claimed, handover: notify.Handover) -> None:
    """The outcome of one hand-over, committed on its own."""
    async with sessionmaker() as session, session.begin():
        row = await session.get(TipFeedback, claimed.feedback_id, with_for_update=True)
        if row is None or row.sent_at is not None:
            return  # gone with its tip's anonymisation, or recorded by another worker's try
        now = utcnow()
        tries = row.attempts + 1
        if handover.result is notify.Result.SENT:
            _settle(row, now, attempts=tries, error=handover.error, sent=True)
            row.notify_message_id = handover.message_id
            log.info("feedback %s of tip %s handed to notify", row.id, row.tip_id)
        elif handover.result is notify.Result.RETRY and tries < MAX_ATTEMPTS:
            row.attempts, row.last_error = tries, handover.error
            row.next_attempt_at = now + backoff(tries)
            log.warning("feedback %s not handed over (%s); trying again", row.id, handover.error)
        else:
            _settle(row, now, attempts=MAX_ATTEMPTS, error=handover.error)
            log.warning("feedback %s given up: %s", row.id, handover.error)
        session.add(row)


def _settle(
    row: TipFeedback, now: datetime, *, attempts: int, error: str | None, sent: bool = False
) -> None:
    """The row is done: handed over (`sent`), or never to be tried again."""
    row.attempts, row.last_error, row.next_attempt_at = attempts, error, None
    if sent:
        row.sent_at = now
