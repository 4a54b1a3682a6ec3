"""The dispatcher against a real SMTP server, the SMS gateway stub and a webhook receiver."""

import asyncio
import email
import email.message
import email.policy
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from standardwebhooks import Webhook

from notify import links, maintenance, worker
from notify.config import DEV_LINK_SECRET, Settings, SmsSettings, SmtpSettings, WebhookSettings
from notify.deliveries import sending
from notify.deliveries.schemas import MessageCreate
from notify.messaging import dispatcher as dispatcher_module
from notify.messaging import handlers, ledger
from notify.messaging.channels.email import EmailJob
from notify.messaging.dispatcher import Dispatcher
from notify.messaging.models import DeliveryAttempt, Notification
from notify.subscriptions import service as subscriptions
from notify.subscriptions.schemas import SubscriptionCreate
from notify_testkit import (
    Receiver,
    consumed,
    load_sink,
    published,
    serving,
    smtp_server,
    subscription_body,
    tables_holding,
    walk_facts,
)
from shared.auth import Principal
from shared.contracts.walks import WalkRescheduled, WalkScheduled
from shared.db import Sessionmaker, create_sessionmaker
from shared.outbox import OutboxMessage
from shared.testing import wait_until

pytestmark = [pytest.mark.service, pytest.mark.usefixtures("clean")]


@dataclass
class Rig:
    settings: Settings
    sessionmaker: Sessionmaker
    dispatcher: Dispatcher
    inbox: object
    sms: object
    receiver: Receiver
    receiver_url: str

    async def run(self, session_sql: str, **params: object) -> list[object]:
        async with self.sessionmaker() as session:
            return list((await session.exec(text(session_sql), params=params)).all())  # type: ignore[call-overload]


@pytest.fixture
async def rig(settings: Settings, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Rig]:
    sms_stub = load_sink("sms_gateway")
    receiver = Receiver()
    with smtp_server() as (port, inbox):
        async with sms_stub.running(tmp_path) as (sms_url, store), serving(receiver.app) as url:
            configured = settings.model_copy(
                update={
                    "smtp": SmtpSettings(port=port, connections=2),
                    "sms": SmsSettings(base_url=sms_url),
                    "webhooks": WebhookSettings(
                        schemes=["http"], allow_private_networks=["127.0.0.0/8"]
                    ),
                }
            )
            sessionmaker = create_sessionmaker(engine)
            outbound = worker.channels(configured)
            dispatcher = worker.dispatcher(configured, sessionmaker, outbound)
            yield Rig(configured, sessionmaker, dispatcher, inbox, store, receiver, url)
            await outbound.aclose()


async def resident(rig: Rig, **body: object) -> uuid.UUID:
    """A confirmed subscription, its confirmation message already out of the way."""
    async with rig.sessionmaker() as session, session.begin():
        parsed = SubscriptionCreate.model_validate(subscription_body(**body))
        id_ = await subscriptions.subscribe(
            session, parsed, rig.settings.dispatcher, rig.settings.public
        )
        conn = await session.connection()
        await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE id = :id"), {"id": id_}
        )
        await conn.execute(text("DELETE FROM notification"))
    return id_


async def publish_plan(rig: Rig, **facts: object) -> str:
    event = published(**facts)
    meta = consumed(event)
    config = handlers.HandlerConfig(5, 0, rig.settings.cap)
    async with rig.sessionmaker() as session, session.begin():
        await handlers.on_action_plan_published(event, session, meta=meta, config=config)
    return meta.id


async def send_message(rig: Rig, text: str) -> None:
    """What staff send through POST /messages, to the residents of Forsheda."""
    body = MessageCreate.model_validate(
        {
            "municipality_code": "0683",
            "topic": "action_plans",
            "subject": {"sv": text[:200]},
            "body": {"sv": text},
            "audience": {"locality": "Forsheda"},
        }
    )
    staff = Principal("staff", frozenset({"notify:write"}), frozenset({"0683"}))
    async with rig.sessionmaker() as session, session.begin():
        await sending.send(session, staff, body, 4)


def received(rig: Rig) -> tuple[email.message.EmailMessage, str, str]:
    """The one email the SMTP server took: the message, its text and its HTML."""
    [envelope] = rig.inbox.messages  # type: ignore[attr-defined]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    text, html = (message.get_body((kind,)) for kind in ("plain", "html"))
    assert text is not None
    assert html is not None
    return message, text.get_content(), html.get_content()


async def notifications(rig: Rig) -> list[Notification]:
    async with rig.sessionmaker() as session:
        return list(
            (await session.exec(select(Notification).order_by(col(Notification.created_at)))).all()
        )


async def until_due(rig: Rig) -> None:
    """Wait until every retry the dispatcher scheduled is due (the test back-off is short)."""

    async def all_due() -> bool:
        async with rig.sessionmaker() as session:
            conn = await session.connection()
            waiting = await conn.execute(
                text("SELECT count(*) FROM notification WHERE next_attempt_at > now()")
            )
            return int(waiting.scalar_one()) == 0

    await wait_until(all_due, 10, "the scheduled retries to be due")


async def attempts(rig: Rig, notification_id: uuid.UUID) -> list[str]:
    async with rig.sessionmaker() as session:
        rows = await session.exec(
            select(DeliveryAttempt.outcome)
            .where(DeliveryAttempt.notification_id == notification_id)
            .order_by(col(DeliveryAttempt.attempt))
        )
        return list(rows)


async def events(rig: Rig) -> list[dict[str, object]]:
    async with rig.sessionmaker() as session:
        rows = await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.seq)))
        return [r.payload for r in rows]


class TestEmail:
    async def test_a_confirmation_goes_out_with_stable_id_and_one_click_unsubscribe(
        self, rig: Rig
    ) -> None:
        async with rig.sessionmaker() as session, session.begin():
            parsed = SubscriptionCreate.model_validate(subscription_body())
            id_ = await subscriptions.subscribe(
                session, parsed, rig.settings.dispatcher, rig.settings.public
            )
        assert await rig.dispatcher.dispatch_batch() == 1
        [envelope] = rig.inbox.messages  # type: ignore[attr-defined]
        assert envelope.rcpt_tos == ["anna@example.se"]
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        [row] = await notifications(rig)
        assert message["Message-ID"] == f"<{row.id}@trygg.example>"
        manage = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
        unsubscribe = f"https://trygg.example.se/notify/subscriptions/unsubscribe/{manage}"
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Subject"] == "Bekräfta din prenumeration på Trygg"
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        confirm = links.make(DEV_LINK_SECRET, links.Purpose.CONFIRM, id_)
        assert f"/subscriptions/confirm/{confirm}" in body
        assert unsubscribe in body
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert f'href="{unsubscribe}"' in html
        assert (row.status, row.attempts, row.next_attempt_at) == ("delivered", 1, None)
        assert await attempts(rig, row.id) == ["delivered"]
        [event] = await events(rig)
        assert event["type"] == "se.trygg.notify.notification.delivered.v1"
        assert event["data"]["notification_id"] == str(row.id)  # type: ignore[index]
        assert "anna" not in json.dumps(event)

    async def test_a_plan_reaches_a_resident_in_their_language(self, rig: Rig) -> None:
        await resident(rig, language="en")
        await publish_plan(rig)
        assert await rig.dispatcher.dispatch_batch() == 1
        [envelope] = rig.inbox.messages  # type: ignore[attr-defined]
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert message["Subject"].startswith("Action plan for Forsheda")
        assert message["Content-Language"] == "en"

    # A walk scheduled for a time already past invites no one, so year 1 is a rescheduling.
    @pytest.mark.parametrize(
        ("starts_at", "pre_meeting_date", "rescheduled"),
        [
            ("9999-12-31T23:59:59+00:00", "0001-01-01", False),
            ("0001-01-01T00:30:00+01:00", "9999-12-31", True),
        ],
    )
    async def test_an_invitation_with_dates_out_of_the_calendar_is_delivered(
        self, rig: Rig, starts_at: str, pre_meeting_date: str, rescheduled: bool
    ) -> None:
        await resident(rig, topics={"walk_invitations": "email"})
        facts = walk_facts(
            starts_at=starts_at,
            pre_meeting_date=pre_meeting_date,
            public_url="https://trygg.example.se/walks/w",
        )
        config = handlers.HandlerConfig(5, 0, rig.settings.cap)
        async with rig.sessionmaker() as session, session.begin():
            if rescheduled:
                changed = WalkRescheduled.model_validate(facts)
                meta = consumed(changed)
                await handlers.on_walk_rescheduled(changed, session, meta=meta, config=config)
            else:
                event = WalkScheduled.model_validate(facts)
                meta = consumed(event)
                await handlers.on_walk_scheduled(event, session, meta=meta, config=config)
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert (row.status, row.last_error) == ("delivered", None)
        [envelope] = rig.inbox.messages  # type: ignore[attr-defined]
        assert starts_at[:19].encode() in envelope.original_content  # shown as given

    @pytest.mark.parametrize("kind", ["plan", "message"])
    async def test_a_text_of_one_4000_character_line_is_delivered_and_reads_back(
        self, rig: Rig, kind: str
    ) -> None:
        await resident(rig)
        long = "Belysningen i gångtunneln = ny; " + "armaturerna byts ut " * 199 + "i år."
        assert len(long) > 4000
        assert "\n" not in long
        if kind == "plan":
            await publish_plan(rig, public_summary=long)
        else:
            await send_message(rig, long)
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert (row.status, row.last_error) == ("delivered", None)
        _, text, html = received(rig)
        assert long in text
        assert long in html

    async def test_a_database_lost_while_claiming_leaves_the_sms_due_not_given_up(
        self, rig: Rig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await resident(rig, email=None, phone="0701234567", topics={"action_plans": "sms"})
        await publish_plan(rig)

        async def lost(*_: object) -> None:
            raise ConnectionResetError("the database went away")

        with monkeypatch.context() as patched:
            patched.setattr(dispatcher_module, "_messages", lost)
            with pytest.raises(ConnectionResetError):
                await rig.dispatcher.dispatch_batch()
        [row] = await notifications(rig)
        assert row.status == "created", "nothing was sent, so the claim did not happen"
        assert rig.sms.messages == []  # type: ignore[attr-defined]
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert row.status == "delivered"
        assert len(rig.sms.messages) == 1  # type: ignore[attr-defined]

    @pytest.mark.parametrize("kind", ["plan", "message"])
    async def test_placeholders_written_in_staff_or_event_text_arrive_as_written(
        self, rig: Rig, kind: str
    ) -> None:
        id_ = await resident(rig)
        written = "Avsluta via @@UNSUBSCRIBE_URL@@ eller bekräfta via @@CONFIRM_URL@@."
        if kind == "plan":
            await publish_plan(rig, title=written, public_summary=written)
        else:
            await send_message(rig, written)
        assert await rig.dispatcher.dispatch_batch() == 1
        message, text, html = received(rig)
        manage = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
        unsubscribe = f"https://trygg.example.se/notify/subscriptions/unsubscribe/{manage}"
        assert written in text
        assert written in message["Subject"]
        # The recipient's link only where the template puts it: the footer (and the header).
        assert text.count(unsubscribe) == 1
        assert text.rstrip().endswith(unsubscribe)
        assert html.count(unsubscribe) == 2
        assert f'href="{unsubscribe}"' in html
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert "/subscriptions/confirm/" not in text + html

    async def test_smtp_4xx_then_accepting_is_delivered_after_a_retry(self, rig: Rig) -> None:
        await resident(rig)
        await publish_plan(rig)
        rig.inbox.answers.append("451 4.3.0 Try again later")  # type: ignore[attr-defined]
        await rig.dispatcher.dispatch_batch()
        [row] = await notifications(rig)
        assert row.status == "temporary-failure"
        assert row.next_attempt_at is not None
        assert row.last_error is not None
        assert row.last_error.startswith("451")
        await until_due(rig)
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert (row.status, row.attempts) == ("delivered", 2)
        assert await attempts(rig, row.id) == ["temporary-failure", "delivered"]
        assert len(rig.inbox.messages) == 1  # type: ignore[attr-defined]

    async def test_smtp_5xx_is_a_permanent_failure_and_never_retried(self, rig: Rig) -> None:
        await resident(rig)
        await publish_plan(rig)
        rig.inbox.answers.append("550 5.1.1 <anna@example.se>: no such user")  # type: ignore[attr-defined]
        await rig.dispatcher.dispatch_batch()
        [row] = await notifications(rig)
        assert (row.status, row.next_attempt_at) == ("permanent-failure", None)
        assert await rig.dispatcher.dispatch_batch() == 0
        assert await attempts(rig, row.id) == ["permanent-failure"]
        [event] = await events(rig)
        assert event["type"] == "se.trygg.notify.notification.failed.v1"
        assert event["data"]["reason"] == "smtp-550"  # type: ignore[index]
        assert "anna" not in json.dumps(event)

    async def test_an_unreachable_server_is_retried_until_the_budget_is_spent(
        self, rig: Rig
    ) -> None:
        rig.dispatcher._channels.email._settings = SmtpSettings(port=1)  # type: ignore[attr-defined]
        await resident(rig)
        await publish_plan(rig)
        for _ in range(5):
            await rig.dispatcher.dispatch_batch()
            await until_due(rig)
        [row] = await notifications(rig)
        assert (row.status, row.attempts, row.next_attempt_at) == ("technical-failure", 5, None)
        assert await rig.dispatcher.dispatch_batch() == 0
        [event] = await events(rig)
        assert event["data"]["status"] == "technical-failure"  # type: ignore[index]


class TestSms:
    async def test_an_sms_goes_through_the_gateway_with_its_unsubscribe_link(
        self, rig: Rig
    ) -> None:
        id_ = await resident(rig, email=None, phone="0701234567", topics={"action_plans": "sms"})
        await publish_plan(rig)
        assert await rig.dispatcher.dispatch_batch() == 1
        [sms] = rig.sms.messages  # type: ignore[attr-defined]
        assert (sms["to"], sms["from"]) == ("+46701234567", "Trygg")
        manage = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
        assert sms["message"].startswith("Åtgärdsplan för Forsheda")
        assert sms["message"].endswith(f"/subscriptions/unsubscribe/{manage}")
        [row] = await notifications(rig)
        assert (row.status, row.provider_ref) == ("delivered", sms["id"])

    @pytest.mark.parametrize("kind", ["plan", "message"])
    async def test_placeholders_written_in_staff_or_event_text_arrive_as_written(
        self, rig: Rig, kind: str
    ) -> None:
        id_ = await resident(rig, email=None, phone="0701234567", topics={"action_plans": "sms"})
        written = "Avsluta via @@UNSUBSCRIBE_URL@@ eller bekräfta via @@CONFIRM_URL@@."
        if kind == "plan":
            await publish_plan(rig, title=written)
        else:
            await send_message(rig, written)
        assert await rig.dispatcher.dispatch_batch() == 1
        [sms] = rig.sms.messages  # type: ignore[attr-defined]
        manage = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
        unsubscribe = f"https://trygg.example.se/notify/subscriptions/unsubscribe/{manage}"
        assert written in sms["message"]
        assert sms["message"].count(unsubscribe) == 1
        assert sms["message"].endswith(unsubscribe)


class TestWebhooks:
    async def _hook(self, rig: Rig, url: str) -> None:
        async with rig.sessionmaker() as session, session.begin():
            conn = await session.connection()
            await conn.execute(
                text(
                    "INSERT INTO webhook (id, municipality_code, url, event_types, secret, "
                    "created_by, created_at) VALUES (gen_random_uuid(), '0683', :url, "
                    "ARRAY['se.trygg.walks.action_plan.published.v1'], :secret, 't', now())"
                ),
                {"url": url, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
            )

    async def test_the_receiver_gets_one_post_whose_signature_verifies(self, rig: Rig) -> None:
        await self._hook(rig, f"{rig.receiver_url}/hook")
        event_id = await publish_plan(rig)
        assert await rig.dispatcher.dispatch_batch() == 1
        [(headers, body)] = rig.receiver.requests
        [row] = await notifications(rig)
        assert headers["webhook-id"] == str(row.id)
        # The specification's reference verifier accepts what was delivered.
        Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers)
        assert json.loads(body)["id"] == event_id
        assert row.status == "delivered"

    async def test_private_addresses_are_refused_at_delivery_too(self, rig: Rig) -> None:
        rig.dispatcher._channels.webhook._allowed = []  # type: ignore[attr-defined]
        for url in (
            f"{rig.receiver_url}/hook",
            "http://10.1.2.3/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost/hook",
        ):
            await self._hook(rig, url)
        await publish_plan(rig)
        assert await rig.dispatcher.dispatch_batch() == 4
        rows = await notifications(rig)
        assert {(r.status, r.next_attempt_at) for r in rows} == {("permanent-failure", None)}
        assert all("not a public address" in (r.last_error or "") for r in rows)
        assert rig.receiver.requests == []


class TestQueue:
    async def test_quiet_hours_hold_a_notification_back(self, rig: Rig) -> None:
        await resident(rig)
        await publish_plan(rig)
        async with rig.sessionmaker() as session, session.begin():
            conn = await session.connection()
            await conn.execute(
                text("UPDATE notification SET next_attempt_at = now() + interval '8 hours'")
            )
        assert await rig.dispatcher.dispatch_batch() == 0

    async def test_unsubscribing_while_queued_cancels_the_notification(self, rig: Rig) -> None:
        id_ = await resident(rig)
        await publish_plan(rig)
        async with rig.sessionmaker() as session, session.begin():
            token = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
            await subscriptions.unsubscribe(session, rig.settings.public, token)
        assert await rig.dispatcher.dispatch_batch() == 0
        [row] = await notifications(rig)
        assert row.status == "cancelled"
        assert rig.inbox.messages == []  # type: ignore[attr-defined]


class TestHousekeeping:
    async def test_stale_subscriptions_go_and_unreported_sms_are_given_up(self, rig: Rig) -> None:
        kept = await resident(rig, email="kept@example.se")
        async with rig.sessionmaker() as session, session.begin():
            parsed = SubscriptionCreate.model_validate(subscription_body(email="old@example.se"))
            await subscriptions.subscribe(
                session, parsed, rig.settings.dispatcher, rig.settings.public
            )
            conn = await session.connection()
            await conn.execute(
                text(
                    "UPDATE subscription SET created_at = now() - interval '8 days' "
                    "WHERE status = 'pending'"
                )
            )
            await conn.execute(
                text(
                    "UPDATE notification SET channel = 'sms', status = 'sending', "
                    "next_attempt_at = NULL, updated_at = now() - interval '73 hours'"
                )
            )
        assert await maintenance.tidy(rig.sessionmaker, rig.settings.dispatcher) == 1
        async with rig.sessionmaker() as session:
            conn = await session.connection()
            assert await tables_holding(conn, "old@example.se") == []
            remaining = (await conn.execute(text("SELECT id FROM subscription"))).scalars()
            assert list(remaining) == [kept]
        [row] = await notifications(rig)
        assert (row.status, row.address) == ("temporary-failure", None)


# More messages than any per-lane cache could hold, each with one email.
MANY_MESSAGES = """
WITH m AS (
  INSERT INTO message (id, event_id, event_type, kind, topic, municipality_code, subject,
                       payload, created_at)
  SELECT gen_random_uuid(), 'load:' || i, 'se.trygg.walks.action_plan.published.v1',
    'plan_published', 'action_plans', '0683', 'load:' || i, CAST(:payload AS jsonb), now()
  FROM generate_series(1, :n) AS i
  RETURNING id, event_id)
INSERT INTO notification (id, message_id, event_id, municipality_code, recipient_kind,
  recipient_id, channel, address, language, status, attempt_budget, next_attempt_at,
  created_at, updated_at)
SELECT gen_random_uuid(), m.id, m.event_id, '0683', 'resident', :resident, 'email',
  'anna@example.se', 'sv', 'created', 3, now(), now(), now()
FROM m
"""


def message_ids(rig: Rig) -> list[str]:
    parsed = (
        email.message_from_bytes(e.original_content, policy=email.policy.default)
        for e in rig.inbox.messages  # type: ignore[attr-defined]
    )
    return [str(m["Message-ID"]) for m in parsed]


class TestUnderLoad:
    async def test_both_lanes_over_many_messages_send_each_exactly_once(self, rig: Rig) -> None:
        """1,200 messages through two workers of two lanes each, with a short lease: were any
        row taken twice, or any outcome lost (and its lease run out), the SMTP server would see
        that Message-ID twice within the wait."""
        n = 1200
        id_ = await resident(rig)
        payload = consumed(published()).envelope.model_dump(mode="json")
        async with rig.sessionmaker() as session, session.begin():
            params = {"n": n, "payload": json.dumps(payload), "resident": id_}
            await (await session.connection()).execute(text(MANY_MESSAGES), params)
        dispatch = rig.settings.dispatcher.model_copy(
            update={"lanes": 2, "batch_size": 100, "lease_s": 10.0, "maintenance_interval_s": 60}
        )
        configured = rig.settings.model_copy(update={"dispatcher": dispatch})
        outbounds = [worker.channels(configured) for _ in range(2)]
        workers = [worker.dispatcher(configured, rig.sessionmaker, o) for o in outbounds]
        stop = asyncio.Event()
        running = [asyncio.create_task(w.run(stop)) for w in workers]

        async def all_delivered() -> bool:
            counted = await rig.run("SELECT count(*) FROM notification WHERE status = 'delivered'")
            return counted == [(n,)]

        try:
            await wait_until(all_delivered, 120, "every notification to be delivered")
        finally:
            stop.set()
            await asyncio.gather(*running)
            for outbound in outbounds:
                await outbound.aclose()
        sent = message_ids(rig)
        assert len(sent) == n
        assert len(set(sent)) == n, "no Message-ID reached the SMTP server twice"
        # Sends the short lease cut off before they began were tried again, not made twice.
        delivered = "SELECT count(*) FROM delivery_attempt WHERE outcome = 'delivered'"
        assert await rig.run(delivered) == [(n,)]
        assert await rig.run("SELECT count(*) FROM outbox") == [(n,)], "one outcome event each"


class TestAfterACrash:
    async def lost_lease(self, rig: Rig, channel: str) -> Notification:
        """A notification claimed by a worker that died before it recorded the send."""
        await resident(rig, phone="070-123 45 67", topics={"action_plans": channel})
        await publish_plan(rig)
        async with rig.sessionmaker() as session, session.begin():
            await (await session.connection()).execute(
                text(
                    "UPDATE notification SET status = 'sending', attempts = 1, "
                    "next_attempt_at = now() - interval '1 second'"
                )
            )
        [row] = await notifications(rig)
        return row

    async def test_an_email_goes_again_under_the_same_message_id(self, rig: Rig) -> None:
        row = await self.lost_lease(rig, "email")
        assert await rig.dispatcher.dispatch_batch() == 1
        assert message_ids(rig) == [f"<{row.id}@trygg.example>"]
        [after] = await notifications(rig)
        assert (after.status, after.attempts) == ("delivered", 2)


class TestRecording:
    async def test_outcomes_are_recorded_when_their_events_cannot_be_written(
        self, rig: Rig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await resident(rig)
        await publish_plan(rig)

        async def broken(*_: object) -> None:
            raise KeyError("a fault after the send")

        monkeypatch.setattr(ledger, "emit_outcomes", broken)
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert (row.status, row.next_attempt_at) == ("delivered", None)
        assert len(rig.inbox.messages) == 1  # type: ignore[attr-defined]


class TestEveryOutcomeIsRecorded:
    async def test_an_unexpected_error_in_one_send_costs_the_batch_nothing(
        self, rig: Rig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await resident(rig, email="ok@example.se")
        await resident(rig, email="breaks@example.se")
        await publish_plan(rig)
        send = rig.dispatcher._channels.email.send

        async def breaks_for_one(job: EmailJob, start_by: float | None = None) -> object:
            if job.to == "breaks@example.se":
                raise RuntimeError("a fault of our own")
            return await send(job, start_by)

        monkeypatch.setattr(rig.dispatcher._channels.email, "send", breaks_for_one)
        assert await rig.dispatcher.dispatch_batch() == 2
        by_address = {n.address: n for n in await notifications(rig)}
        assert by_address["ok@example.se"].status == "delivered"
        broken = by_address["breaks@example.se"]
        assert (broken.status, broken.next_attempt_at is not None) == ("technical-failure", True)
        assert len(rig.inbox.messages) == 1  # type: ignore[attr-defined]

    async def test_a_send_past_the_lease_is_not_made(self, rig: Rig) -> None:
        """Sends must end inside the lease, or another lane could take the row and send too."""
        await resident(rig)
        await publish_plan(rig)
        dispatch = rig.settings.dispatcher.model_copy(update={"lease_s": 0.0})
        configured = rig.settings.model_copy(update={"dispatcher": dispatch})
        outbound = worker.channels(configured)
        try:
            assert await worker.dispatcher(configured, rig.sessionmaker, outbound).dispatch_batch()
        finally:
            await outbound.aclose()
        [row] = await notifications(rig)
        assert (row.status, row.last_error) == (
            "technical-failure",
            "not sent: the lease ran short",
        )
        assert rig.inbox.messages == []  # type: ignore[attr-defined]

    async def test_a_late_record_leaves_a_row_another_lane_has_claimed_since(
        self, rig: Rig, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await resident(rig)
        await publish_plan(rig)
        send = rig.dispatcher._channels.email.send

        async def claimed_again_meanwhile(job: EmailJob, start_by: float | None = None) -> object:
            async with rig.sessionmaker() as session, session.begin():
                await (await session.connection()).execute(
                    text(
                        "UPDATE notification SET attempts = attempts + 1, "
                        "next_attempt_at = now() + interval '1 hour'"
                    )
                )
            return await send(job, start_by)

        monkeypatch.setattr(rig.dispatcher._channels.email, "send", claimed_again_meanwhile)
        assert await rig.dispatcher.dispatch_batch() == 1
        [row] = await notifications(rig)
        assert (row.status, row.attempts) == ("sending", 2), "the later claim's to record"
        assert await attempts(rig, row.id) == []
        assert await events(rig) == []
