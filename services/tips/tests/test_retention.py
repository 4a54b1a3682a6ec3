"""Closed tips past their retention are anonymised: what could identify anyone goes, what the
situational picture needs stays, and tips still within their period are not touched."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import HOME, Api, point

from shared import geo
from tips import audit, worker
from tips.categories import service as categories
from tips.categories.schemas import CategoryWrite
from tips.config import Settings
from tips.domain import LOCAL_TIME, utcnow
from tips.feedback.models import TipFeedback
from tips.photos.models import TipPhoto
from tips.retention.service import anonymise_closed
from tips.tips.models import Tip, TipContact
from tips.tips.service import grid_cell
from tips.triage.models import TipAudit, TipNote

pytestmark = pytest.mark.service

YEAR = timedelta(days=360)  # twelve months of thirty days, as the worker counts them
PLACE = point(13.8291, 57.1678)
NOISE = CategoryWrite.model_validate(
    {
        "name_sv": "Störningar",
        "name_en": "Disturbance",
        "questions": [
            {"code": "details", "kind": "text", "label_sv": "Berätta mer"},
            {
                "code": "time_of_day",
                "kind": "single",
                "label_sv": "När?",
                "options": [{"key": "day", "name_sv": "Dag"}, {"key": "night", "name_sv": "Natt"}],
            },
            {
                "code": "who",
                "kind": "multiple",
                "label_sv": "Vilka?",
                "options": [
                    {"key": "youth", "name_sv": "Unga"},
                    {"key": "adults", "name_sv": "Vuxna"},
                ],
            },
        ],
    }
)
ANSWERS = {"details": "Kalle i nummer 5 spelar hög musik", "time_of_day": "night", "who": ["youth"]}


async def old_tip(api: Api, closed_ago: timedelta | None, now: datetime) -> Tip:
    """A tip with everything retention is about: a contact, a photo, a note, an address, a
    free-text answer, messages owed and sent; closed `closed_ago` before `now` (None: open)."""
    receipt = await api.submit(
        category="noise",
        answers=ANSWERS,
        location=PLACE,
        address="Storgatan 5",
        occurred_at="2026-11-28T21:47:00+01:00",
        contact={"email": "kalle.granne@example.se", "phone": "0701234567", "consent": True},
    )
    tip = await api.tip(receipt["id"])
    assert tip is not None
    tip.address_id = "lm:12345"
    tip.redacted_description = "Hög musik sent på kvällarna."
    if closed_ago is not None:
        tip.status, tip.outcome, tip.public_note = "closed", "no_action", "Vi följer läget."
        tip.closed_at = now - closed_ago
        api.session.add(TipFeedback(tip_id=tip.id, kind="closing"))
    api.session.add(tip)
    api.session.add(
        TipPhoto(tip_id=tip.id, content_type="image/jpeg", width=2, height=2, content=b"\xff\xd8")
    )
    api.session.add(TipNote(tip_id=tip.id, body="Ringde Kalle, han lovade sänka.", author="staff"))
    audit.record(api.session, tip, "staff", "closed")
    await _acknowledged(api.session, tip.id, now)
    return tip


async def _acknowledged(session: AsyncSession, tip_id: uuid.UUID, now: datetime) -> None:
    [ack] = [f for f in await _rows(session, TipFeedback, tip_id) if f.kind == "acknowledgement"]
    ack.sent_at, ack.attempts, ack.notify_message_id = now, 1, uuid.uuid4()
    session.add(ack)
    await session.flush()


async def _rows(session: AsyncSession, model: Any, tip_id: uuid.UUID) -> list[Any]:
    return list(await session.exec(select(model).where(model.tip_id == tip_id)))


async def _snapshot(session: AsyncSession, tip: Tip) -> dict[str, Any]:
    """What a tip holds, itself and in the tables beside it."""
    fresh = await session.get(Tip, tip.id, populate_existing=True)
    assert fresh is not None
    counts = {
        model.__tablename__: len(await _rows(session, model, tip.id))
        for model in (TipContact, TipPhoto, TipNote, TipFeedback, TipAudit)
    }
    return {
        **fresh.model_dump(exclude={"location"}),
        "where": geo.from_db(fresh.location),
        **counts,
    }


@pytest.fixture
async def noise(api: Api) -> None:
    await api.categories()
    await categories.put_category(api.session, HOME, "noise", NOISE)


@pytest.mark.usefixtures("noise")
class TestAnonymiseClosed:
    async def test_a_tip_closed_past_its_period_keeps_nothing_that_identifies(
        self, api: Api
    ) -> None:
        now = utcnow()
        tip = await old_tip(api, timedelta(days=13 * 30), now)
        assert await anonymise_closed(api.session, YEAR, now) == 1
        after = await _snapshot(api.session, tip)
        assert (after["tip_contact"], after["tip_photo"], after["tip_note"]) == (0, 0, 0)
        [sent] = await _rows(api.session, TipFeedback, tip.id)
        assert (sent.kind, sent.sent_at) == ("acknowledgement", now)  # the owed closing went
        assert after["tip_audit"] == 1
        assert (after["description"], after["address"], after["address_id"]) == (None, None, None)
        assert after["submission_hash"] is None
        assert after["answers"] == {"time_of_day": "night", "who": ["youth"]}
        cell = await grid_cell(api.session, geo.Point.model_validate(PLACE))
        assert after["where"] == cell.centre.model_dump()
        assert after["where"] != PLACE
        occurred = after["occurred_at"].astimezone(LOCAL_TIME)
        assert (occurred.hour, occurred.minute, occurred.day) == (21, 0, 28)
        assert after["anonymised_at"] == now
        kept = ("redacted_description", "outcome", "public_note", "locality", "category_code")
        assert [after[k] for k in kept] == [
            "Hög musik sent på kvällarna.",
            "no_action",
            "Vi följer läget.",
            tip.locality,
            "noise",
        ]

    async def test_tips_within_their_period_and_open_tips_are_untouched(self, api: Api) -> None:
        now = utcnow()
        recent = await old_tip(api, timedelta(days=11 * 30), now)
        still_open = await old_tip(api, None, now)
        before = [await _snapshot(api.session, t) for t in (recent, still_open)]
        assert await anonymise_closed(api.session, YEAR, now) == 0
        assert [await _snapshot(api.session, t) for t in (recent, still_open)] == before
        assert before[0]["tip_contact"] == 1
        assert before[0]["description"] is not None

    async def test_running_again_changes_nothing(self, api: Api) -> None:
        now = utcnow()
        tip = await old_tip(api, timedelta(days=400), now)
        assert await anonymise_closed(api.session, YEAR, now) == 1
        once = await _snapshot(api.session, tip)
        assert await anonymise_closed(api.session, YEAR, now + timedelta(days=1)) == 0
        assert await _snapshot(api.session, tip) == once

    async def test_a_backlog_goes_in_bounded_batches(self, api: Api) -> None:
        now = utcnow()
        for _ in range(3):
            await old_tip(api, timedelta(days=400), now)
        done = [await anonymise_closed(api.session, YEAR, now, batch=2) for _ in range(3)]
        assert done == [2, 1, 0]

    async def test_the_worker_anonymises_the_whole_backlog_a_batch_per_transaction(
        self, api: Api, settings: Settings
    ) -> None:
        now = utcnow()
        tips = [await old_tip(api, timedelta(days=400), now) for _ in range(2)]
        # The worker's sessions, inside the test's transaction: their commits are savepoints.
        conn = await api.session.connection()
        sessionmaker = async_sessionmaker(
            bind=conn, class_=AsyncSession, join_transaction_mode="create_savepoint"
        )
        assert await worker.anonymise(sessionmaker, worker.retention_period(settings)) == 2
        for tip in tips:
            assert (await _snapshot(api.session, tip))["anonymised_at"] is not None
