"""An SMS whose send may have happened is looked up at the gateway, never repeated blindly.

A worker that dies between its claim and its record, or a connection cut after the request went,
leaves an SMS unsure. The dispatcher then reads the gateway's history (the SMS gateway stub
speaks 46elks' `GET /a1/sms`): found, the SMS counts as sent; not found, it is sent now; while
the history cannot be read, it waits; with its attempts spent, it is given up for staff.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from notify import worker
from notify.config import Settings, SmsSettings
from notify.messaging import handlers
from notify.messaging.channels.email import SmtpChannel
from notify.messaging.channels.sms import Elks46Gateway, GatewayUnavailable, SmsJob
from notify.messaging.channels.webhook import WebhookChannel
from notify.messaging.dispatcher import Channels, Dispatcher
from notify.messaging.models import DeliveryAttempt, Notification
from notify.subscriptions import service as subscriptions
from notify.subscriptions.schemas import SubscriptionCreate
from notify_testkit import consumed, load_sink, published, subscription_body
from shared.db import Sessionmaker, create_sessionmaker
from shared.outbox import OutboxMessage

pytestmark = [pytest.mark.service, pytest.mark.usefixtures("clean")]


class AnswerLost(httpx.AsyncBaseTransport):
    """Takes each SMS to the gateway, then loses the gateway's answer: a connection cut after
    the request went."""

    def __init__(self) -> None:
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._real.handle_async_request(request)
        if request.method != "POST":
            return response
        await response.aread()
        await response.aclose()
        raise httpx.ReadError("the connection was lost before the answer", request=request)

    async def aclose(self) -> None:
        await self._real.aclose()


@dataclass
class Rig:
    settings: Settings
    sessionmaker: Sessionmaker
    sms: Any  # the stub's store: what the gateway took
    gateway: Elks46Gateway

    def dispatcher(self, gateway: Elks46Gateway | None = None) -> Dispatcher:
        settings = self.settings
        channels = Channels(
            SmtpChannel(settings.smtp), gateway or self.gateway, WebhookChannel(settings.webhooks)
        )
        return worker.dispatcher(settings, self.sessionmaker, channels)

    async def sql(self, statement: str, **params: object) -> None:
        async with self.sessionmaker() as session, session.begin():
            await (await session.connection()).execute(text(statement), params)

    async def row(self) -> Notification:
        async with self.sessionmaker() as session:
            [row] = (await session.exec(select(Notification))).all()
            return row

    async def attempts(self) -> list[tuple[int, str]]:
        async with self.sessionmaker() as session:
            rows = await session.exec(
                select(DeliveryAttempt.attempt, DeliveryAttempt.outcome).order_by(
                    col(DeliveryAttempt.attempt)
                )
            )
            return [(a, o) for a, o in rows]

    async def event_types(self) -> list[str]:
        async with self.sessionmaker() as session:
            rows = await session.exec(select(OutboxMessage.type))
            return list(rows)


@pytest.fixture
async def rig(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Rig]:
    async with load_sink("sms_gateway").running(tmp_path) as (url, store):
        configured = settings.model_copy(update={"sms": SmsSettings(base_url=url)})
        gateway = Elks46Gateway(configured.sms)
        yield Rig(configured, create_sessionmaker(engine), store, gateway)
        await gateway.aclose()


async def an_sms_due(rig: Rig) -> None:
    """One resident told of a published plan by SMS, the notification due."""
    body = subscription_body(email=None, phone="070-123 45 67", topics={"action_plans": "sms"})
    async with rig.sessionmaker() as session, session.begin():
        parsed = SubscriptionCreate.model_validate(body)
        id_ = await subscriptions.subscribe(
            session, parsed, rig.settings.dispatcher, rig.settings.public
        )
        conn = await session.connection()
        await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE id = :id"), {"id": id_}
        )
        await conn.execute(text("DELETE FROM notification"))
        event = published()
        config = handlers.HandlerConfig(5, 0, rig.settings.cap)
        await handlers.on_action_plan_published(event, session, meta=consumed(event), config=config)


async def lost_after_claim(rig: Rig, *, claimed: bool = False) -> None:
    """The state a worker killed between its claim and its record leaves: `sending`, its
    attempt counted (by the claim, unless the test's own dispatch `claimed` it), its lease run
    out."""
    await rig.sql(
        "UPDATE notification SET status = 'sending', attempts = attempts + :more, "
        "provider_ref = NULL, next_attempt_at = now() - interval '1 second'",
        more=0 if claimed else 1,
    )


async def unreadable(job: SmsJob, since: datetime) -> None:
    """The gateway's history, while the gateway answers 503."""
    raise GatewayUnavailable("503 Service unavailable")


async def test_an_sms_the_gateway_never_took_is_sent_once(rig: Rig) -> None:
    await an_sms_due(rig)
    await lost_after_claim(rig)
    assert await rig.dispatcher().dispatch_batch() == 1
    [sms] = rig.sms.messages
    row = await rig.row()
    assert (row.status, row.attempts, row.provider_ref) == ("delivered", 2, sms["id"])


async def test_an_sms_the_gateway_took_before_the_crash_is_not_sent_again(rig: Rig) -> None:
    await an_sms_due(rig)
    assert await rig.dispatcher().dispatch_batch() == 1
    [sms] = rig.sms.messages
    # The worker died after the gateway took it and before it recorded that.
    await rig.sql("DELETE FROM delivery_attempt")
    await rig.sql("DELETE FROM outbox")
    await lost_after_claim(rig, claimed=True)

    assert await rig.dispatcher().dispatch_batch() == 1
    assert rig.sms.messages == [sms], "nothing more went to the gateway"
    row = await rig.row()
    assert (row.status, row.provider_ref, row.next_attempt_at) == ("delivered", sms["id"], None)
    assert await rig.attempts() == [(2, "delivered")]
    assert await rig.event_types() == ["se.trygg.notify.notification.delivered.v1"]


async def test_a_send_cut_off_after_its_request_went_is_looked_up_not_repeated(
    rig: Rig,
) -> None:
    await an_sms_due(rig)
    cut_off = Elks46Gateway(rig.settings.sms, AnswerLost())
    try:
        assert await rig.dispatcher(cut_off).dispatch_batch() == 1
    finally:
        await cut_off.aclose()
    [sms] = rig.sms.messages
    row = await rig.row()
    assert (row.status, row.provider_ref) == ("sending", None), "unsure, not failed"
    assert row.next_attempt_at is not None
    assert await rig.attempts() == [(1, "sending")]

    await rig.sql("UPDATE notification SET next_attempt_at = now()")
    assert await rig.dispatcher().dispatch_batch() == 1
    assert rig.sms.messages == [sms]
    row = await rig.row()
    assert (row.status, row.provider_ref) == ("delivered", sms["id"])


async def test_an_sms_sent_before_to_the_same_number_is_not_taken_for_this_one(
    rig: Rig,
) -> None:
    await an_sms_due(rig)
    before = SmsJob(uuid.uuid4(), "+46701234567", "Ett annat meddelande.")
    await rig.gateway.send(before)
    await lost_after_claim(rig)
    assert await rig.dispatcher().dispatch_batch() == 1
    assert len(rig.sms.messages) == 2, "this notification's SMS was sent"
    assert (await rig.row()).status == "delivered"


async def test_an_unsure_sms_waits_while_the_history_cannot_be_read(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await an_sms_due(rig)
    await lost_after_claim(rig)
    monkeypatch.setattr(rig.gateway, "sent_since", unreadable)
    assert await rig.dispatcher().dispatch_batch() == 1
    assert rig.sms.messages == []
    row = await rig.row()
    assert (row.status, row.attempts) == ("sending", 2)
    assert row.next_attempt_at is not None, "looked up again later"
    assert await rig.event_types() == []


async def test_an_sms_still_unsure_with_its_attempts_spent_is_given_up(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await an_sms_due(rig)
    await lost_after_claim(rig)
    await rig.sql("UPDATE notification SET attempts = attempt_budget - 1")
    monkeypatch.setattr(rig.gateway, "sent_since", unreadable)
    assert await rig.dispatcher().dispatch_batch() == 1
    assert rig.sms.messages == []
    row = await rig.row()
    assert (row.status, row.next_attempt_at) == ("technical-failure", None)
    assert row.last_error is not None
    assert "not sent again" in row.last_error
    assert await rig.event_types() == ["se.trygg.notify.notification.failed.v1"]


async def test_an_unsure_sms_whose_lease_runs_short_stays_unsure(rig: Rig) -> None:
    """An attempt that never reached its send must not turn the SMS into a plain failure,
    which the next attempt would send without looking."""
    await an_sms_due(rig)
    await lost_after_claim(rig)
    dispatcher = rig.dispatcher()
    dispatcher._settings = dispatcher._settings.model_copy(update={"lease_s": 0.0})
    assert await dispatcher.dispatch_batch() == 1
    assert rig.sms.messages == []
    assert (await rig.row()).status == "sending"
