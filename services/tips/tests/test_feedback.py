"""Messages owed to tipsters, handed to the real notify app (in-process, on a database of its
own) by the worker's job: once each, however often or concurrently the job runs, retried
through an outage, given up on a refusal, and never with the contact anywhere but the request.

These tests commit on both sides: the job owns its transactions. The tips rows are all of one
municipality that no rolled-back test uses, and are deleted before and after each test.
"""

import asyncio
import json
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from tips_testkit import tip_body

import notify.app
from notify.config import Settings as NotifyAppSettings
from shared.auth import mint_token
from shared.db import Sessionmaker, create_sessionmaker
from shared.outbox import OutboxMessage
from shared.settings import AuthSettings, DatabaseSettings
from shared.testing import NO_BROKER, TestStack, migrate, recreate_database
from tips import worker
from tips.categories import service as categories
from tips.config import NotifySettings, Settings
from tips.domain import LOCAL_TIME, Source, utcnow
from tips.feedback import service as feedback
from tips.feedback.models import TipFeedback
from tips.tips import service as intake
from tips.tips.models import Tip, TipContact
from tips.tips.schemas import TipSubmit

pytestmark = pytest.mark.service

MUNICIPALITY = "0617"  # Gnosjö: no rolled-back test uses it
NOTIFY_URL = "http://notify.test"
EMAIL = "tipster.feedback@example.se"
PHONE = "070-555 12 34"
MONTHS_SV = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]
NOTIFY_TABLES = (
    "subscription, stakeholder, stakeholder_contact, webhook, message, notification, "
    "delivery_attempt, cap_alert, rate_limit, idempotency_key, outbox, inbox"
)
FORGET_TIPS = [
    "DELETE FROM tip_feedback WHERE tip_id IN (SELECT id FROM tip WHERE municipality_code = :m)",
    "DELETE FROM tip_contact WHERE tip_id IN (SELECT id FROM tip WHERE municipality_code = :m)",
    "DELETE FROM outbox WHERE aggregateid IN "
    "(SELECT CAST(id AS text) FROM tip WHERE municipality_code = :m)",
    "DELETE FROM tip WHERE municipality_code = :m",
    "DELETE FROM category WHERE municipality_code = :m",
]


@pytest.fixture(scope="module")
async def notify_app(stack: TestStack) -> AsyncIterator[FastAPI]:
    """notify as it runs, on a database of its own, called in-process."""
    url = await recreate_database(stack, "notify_for_tips_test")
    await migrate("notify", url)
    app = notify.app.create_app(
        NotifyAppSettings(
            db=DatabaseSettings(url=url, pool_size=3, max_overflow=2), kafka=NO_BROKER
        )
    )
    yield app
    await app.state.engine.dispose()


@dataclass
class Rig:
    tips: Sessionmaker
    notify: AsyncEngine
    client: httpx.AsyncClient
    settings: Settings

    async def send(self, client: httpx.AsyncClient | None = None, **changes: Any) -> int:
        """One run of the job; `changes` to its notify settings (another URL, a token)."""
        settings = self.settings
        if changes:
            changed = self.settings.notify.model_copy(update=changes)
            settings = self.settings.model_copy(update={"notify": changed})
        return await feedback.send_pending(self.tips, client or self.client, settings)

    async def notifications(self) -> list[dict[str, Any]]:
        """notify's notifications, with their message's kind, payload and reference."""
        async with self.notify.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT n.channel, n.address, n.language, n.municipality_code, n.message_id,"
                    " m.kind, m.payload FROM notification n JOIN message m ON m.id = n.message_id"
                    " ORDER BY n.channel"
                )
            )
            return [dict(row) for row in rows.mappings()]

    async def feedback(self, tip_id: uuid.UUID, kind: str = "acknowledgement") -> TipFeedback:
        async with self.tips() as session:
            rows = await session.exec(
                select(TipFeedback).where(TipFeedback.tip_id == tip_id, TipFeedback.kind == kind)
            )
            return rows.one()

    async def due_now(self, tip_id: uuid.UUID) -> None:
        """Let the back-off pass, as time would."""
        async with self.tips() as session, session.begin():
            await (await session.connection()).execute(
                text("UPDATE tip_feedback SET next_attempt_at = now() WHERE tip_id = :t"),
                {"t": tip_id},
            )

    async def outbox(self, tip_id: uuid.UUID) -> str:
        """Every event of the tip in the tips outbox, as one JSON text."""
        async with self.tips() as session:
            rows = await session.exec(
                select(OutboxMessage).where(OutboxMessage.aggregateid == str(tip_id))
            )
            return json.dumps([row.payload for row in rows])


async def _forget(rig_tips: AsyncEngine, rig_notify: AsyncEngine) -> None:
    async with rig_tips.begin() as conn:
        for statement in FORGET_TIPS:
            await conn.execute(text(statement), {"m": MUNICIPALITY})
    async with rig_notify.begin() as conn:
        await conn.execute(text(f"TRUNCATE {NOTIFY_TABLES}"))


@pytest.fixture
async def rig(engine: AsyncEngine, notify_app: FastAPI, settings: Settings) -> AsyncIterator[Rig]:
    notify_engine: AsyncEngine = notify_app.state.engine
    await _forget(engine, notify_engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await categories.install_defaults(session, MUNICIPALITY)
    configured = settings.model_copy(update={"notify": NotifySettings(url=NOTIFY_URL)})
    transport = httpx.ASGITransport(app=notify_app)
    async with httpx.AsyncClient(transport=transport) as client:
        yield Rig(sessionmaker, notify_engine, client, configured)
    await _forget(engine, notify_engine)


async def submit(rig: Rig, **overrides: Any) -> Tip:
    """A tip taken in as the public route takes it, committed."""
    contact = overrides.pop("contact", {"email": EMAIL, "consent": True})
    body = TipSubmit.model_validate(tip_body(contact=contact, **overrides))
    async with rig.tips() as session, session.begin():
        submitted = await intake.submit_tip(
            session, MUNICIPALITY, body, intake.Origin(Source.PUBLIC)
        )
    return submitted.tip


async def close(rig: Rig, tip: Tip, outcome: str, public_note: str | None) -> None:
    """What closing a tip does to it and its messages, as triage's close records it."""
    async with rig.tips() as session, session.begin():
        stored = await session.get(Tip, tip.id)
        assert stored is not None
        stored.status, stored.outcome, stored.public_note = "closed", outcome, public_note
        stored.closed_at = utcnow()
        session.add(stored)
        session.add(TipFeedback(tip_id=tip.id, kind="closing"))


def unreachable_url() -> str:
    """A port of this machine nothing listens on: notify is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TestAcknowledgement:
    async def test_a_tip_with_a_contact_gets_one_acknowledgement(self, rig: Rig) -> None:
        tip = await submit(rig)
        assert await rig.send() == 1
        [sent] = await rig.notifications()
        assert (sent["channel"], sent["address"], sent["language"]) == ("email", EMAIL, "sv")
        assert (sent["kind"], sent["municipality_code"]) == ("transactional", MUNICIPALITY)
        data = sent["payload"]["data"]
        assert data["subject"] == "Tack för ditt tips"
        received = tip.created_at.astimezone(LOCAL_TIME)
        month = MONTHS_SV[received.month - 1]
        assert data["body"] == (
            f"Tack för ditt tips om otrygg plats, mottaget {received.day} {month} "
            f"{received.year}. Referens: {tip.id.hex[:8].upper()}. Vid akuta händelser ring 112."
        )
        assert data["reference"] == f"tip:{tip.id}:acknowledgement"
        row = await rig.feedback(tip.id)
        assert row.sent_at is not None
        assert row.notify_message_id == sent["message_id"]
        assert (row.attempts, row.last_error, row.next_attempt_at) == (1, None, None)

    async def test_an_email_and_a_phone_get_one_message_each_in_english(self, rig: Rig) -> None:
        contact = {"email": EMAIL, "phone": PHONE, "consent": True}
        tip = await submit(rig, contact=contact, language="en")
        assert await rig.send() == 1
        email_row, sms_row = await rig.notifications()
        assert (email_row["address"], sms_row["address"]) == (EMAIL, "+46705551234")
        assert email_row["message_id"] == sms_row["message_id"]
        body = email_row["payload"]["data"]["body"]
        assert body.startswith("Thank you for your tip about unsafe place, received ")
        assert body.endswith(f"Reference: {tip.id.hex[:8].upper()}. In an emergency, call 112.")
        assert email_row["language"] == "en"

    async def test_running_twice_and_at_once_sends_one_message(self, rig: Rig) -> None:
        await submit(rig)
        first, second = await asyncio.gather(rig.send(), rig.send())
        assert first + second == 1
        assert await rig.send() == 0
        assert len(await rig.notifications()) == 1

    async def test_a_hand_over_whose_answer_was_lost_is_not_sent_twice(self, rig: Rig) -> None:
        tip = await submit(rig)
        assert await rig.send() == 1
        [sent] = await rig.notifications()
        # notify took the message but the worker never recorded it: it tries again.
        async with rig.tips() as session, session.begin():
            row = await session.get(TipFeedback, (await rig.feedback(tip.id)).id)
            assert row is not None
            row.sent_at, row.notify_message_id = None, None
            session.add(row)
        assert await rig.send() == 1
        assert len(await rig.notifications()) == 1
        assert (await rig.feedback(tip.id)).notify_message_id == sent["message_id"]

    async def test_a_tip_without_a_contact_owes_nothing(self, rig: Rig) -> None:
        await submit(rig, contact=None)
        assert await rig.send() == 0
        assert await rig.notifications() == []


class TestClosing:
    async def test_the_closing_message_tells_the_outcome_and_the_public_note(
        self, rig: Rig
    ) -> None:
        tip = await submit(rig)
        assert await rig.send() == 1
        note = "Trafikkontoret har bytt armaturerna i gångtunneln."
        await close(rig, tip, "fixed", note)
        assert await rig.send() == 1
        closing = [
            n
            for n in await rig.notifications()
            if n["payload"]["data"]["reference"] == f"tip:{tip.id}:closing"
        ]
        [sent] = closing
        data = sent["payload"]["data"]
        assert data["subject"] == "Ditt tips är avslutat"
        assert "är nu avslutat. Det du tipsade om är åtgärdat." in data["body"]
        assert data["body"].endswith(f"\n\n{note}")
        assert (await rig.feedback(tip.id, "closing")).sent_at is not None

    async def test_a_closing_without_a_note_or_action_in_english(self, rig: Rig) -> None:
        tip = await submit(rig, language="en")
        await close(rig, tip, "no_action", None)
        assert await rig.send() == 2
        [body] = [
            n["payload"]["data"]["body"]
            for n in await rig.notifications()
            if n["payload"]["data"]["reference"].endswith(":closing")
        ]
        assert body.endswith(
            "is now closed. We have read your tip but are taking no action for "
            "now. It is part of our picture of the area."
        )


class TestFailures:
    async def test_an_outage_leaves_the_row_for_a_later_run_that_sends_it_once(
        self, rig: Rig
    ) -> None:
        tip = await submit(rig)
        async with httpx.AsyncClient() as real:
            assert await rig.send(real, url=unreachable_url()) == 0
        row = await rig.feedback(tip.id)
        assert (row.sent_at, row.attempts) == (None, 1)
        assert row.last_error is not None
        assert row.last_error.startswith("notify unreachable: ConnectError")
        assert row.next_attempt_at is not None
        assert row.next_attempt_at - utcnow() > timedelta(seconds=50)
        assert await rig.send() == 0, "not again before the back-off has passed"
        await rig.due_now(tip.id)
        assert await rig.send() == 1
        assert len(await rig.notifications()) == 1
        assert (await rig.feedback(tip.id)).attempts == 2

    async def test_a_refusal_by_notify_is_final(self, rig: Rig) -> None:
        # Tips takes this address; notify refuses it (a domain label over 63 characters).
        address = f"anna@{'x' * 64}.se"
        tip = await submit(rig, contact={"email": address, "consent": True})
        assert await rig.send() == 0
        row = await rig.feedback(tip.id)
        assert (row.sent_at, row.attempts) == (None, feedback.MAX_ATTEMPTS)
        assert row.last_error == "notify answered 422: Invalid input at /email"
        await rig.due_now(tip.id)
        assert await rig.send() == 0
        assert await rig.notifications() == []

    async def test_a_tip_whose_contact_is_gone_is_settled_without_sending(self, rig: Rig) -> None:
        tip = await submit(rig)
        async with rig.tips() as session, session.begin():
            contact = await session.get(TipContact, tip.id)
            await session.delete(contact)
        assert await rig.send() == 0
        row = await rig.feedback(tip.id)
        assert (row.sent_at, row.last_error) == (None, "no contact")
        assert row.attempts == feedback.MAX_ATTEMPTS
        assert await rig.notifications() == []

    async def test_a_token_notify_does_not_accept_is_tried_again(self, rig: Rig) -> None:
        tip = await submit(rig)
        foreign = mint_token(AuthSettings(), "tips", ["notify:write"], ["0683"])
        assert await rig.send(token=SecretStr(foreign)) == 0
        row = await rig.feedback(tip.id)
        assert row.attempts == 1
        assert row.last_error is not None
        assert row.last_error.startswith("notify answered 403")


class TestPrivacy:
    async def test_the_contact_is_in_neither_the_outbox_nor_the_log(
        self, rig: Rig, caplog: pytest.LogCaptureFixture
    ) -> None:
        contact = {"email": EMAIL, "phone": PHONE, "consent": True}
        with caplog.at_level(logging.DEBUG):
            tip = await submit(rig, contact=contact)
            async with httpx.AsyncClient() as real:
                assert await rig.send(real, url=unreachable_url()) == 0
            await rig.due_now(tip.id)
            assert await rig.send() == 1
        events = await rig.outbox(tip.id)
        assert str(tip.id) in events
        assert "ConnectError" in caplog.text
        for needle in ("tipster.feedback", "555 12 34", "5551234"):
            assert needle not in events
            assert needle not in caplog.text
            assert needle not in str((await rig.feedback(tip.id)).last_error)


class TestWorker:
    def test_the_worker_runs_the_hand_over_retention_and_housekeeping(
        self, settings: Settings, engine: AsyncEngine
    ) -> None:
        jobs = worker.jobs(settings)(create_sessionmaker(engine))
        assert len(jobs) == 3
        assert worker.retention_period(settings) == timedelta(days=360)

    def test_a_worker_that_could_not_authenticate_to_notify_refuses_to_start(
        self, settings: Settings
    ) -> None:
        keyless = settings.model_copy(update={"auth": AuthSettings(secret=None)})
        with pytest.raises(SystemExit, match="TIPS_NOTIFY__TOKEN"):
            worker.jobs(keyless)
