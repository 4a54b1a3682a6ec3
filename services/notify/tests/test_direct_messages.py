"""Messages to one person (POST /direct-messages): no subscription, no audience, one
notification per channel, sent once per Idempotency-Key, bounded by municipality, and
delivered through the real SMTP path without an unsubscribe link."""

import email
import email.message
import email.policy
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import worker
from notify.config import Settings, SmsSettings, SmtpSettings
from notify.messaging.dispatcher import Dispatcher
from notify.messaging.models import Message, Notification
from notify_testkit import HOME, OTHER, load_sink, smtp_server, tables_holding, token
from shared.db import Sessionmaker, create_sessionmaker
from shared.outbox import OutboxMessage
from shared.testing import api_client

pytestmark = pytest.mark.service

ROUTE = "/direct-messages"


def direct_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality_code": HOME,
        "email": "Anna.Svensson@Example.SE",
        "language": "sv",
        "subject": "Ditt tips är mottaget",
        "body": "Tack för ditt tips om en otrygg plats. Referens: 3D5B8F9E.",
        "reference": "tip:3d5b8f9e:acknowledgement",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def notifications(session: AsyncSession, message_id: str) -> list[Notification]:
    rows = await session.exec(
        select(Notification)
        .where(Notification.message_id == uuid.UUID(message_id))
        .order_by(col(Notification.channel))
    )
    return list(rows)


class TestSending:
    async def test_one_notification_per_channel_to_the_normalised_addresses(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = direct_body(phone="070-123 45 67")
        response = await client.post(ROUTE, json=body, headers=token())
        assert response.status_code == 201, response.text
        sent = response.json()
        assert (sent["kind"], sent["topic"], sent["municipality_code"]) == (
            "transactional",
            None,
            HOME,
        )
        assert sent["counts"]["by_channel"] == {"email": {"created": 1}, "sms": {"created": 1}}
        email_row, sms_row = await notifications(session, sent["id"])
        assert (email_row.channel, email_row.address) == ("email", "anna.svensson@example.se")
        assert (sms_row.channel, sms_row.address) == ("sms", "+46701234567")
        for row in (email_row, sms_row):
            assert (row.recipient_kind, row.recipient_id) == ("resident", None)
            assert (row.language, row.status, row.municipality_code) == ("sv", "created", HOME)
            assert row.next_attempt_at is not None

    async def test_the_message_keeps_the_text_and_reference_but_no_address(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        response = await client.post(ROUTE, json=direct_body(phone="0701234567"), headers=token())
        message = await session.get(Message, uuid.UUID(response.json()["id"]))
        assert message is not None
        data = message.payload["data"]
        assert data["reference"] == "tip:3d5b8f9e:acknowledgement"
        assert data["subject"] == "Ditt tips är mottaget"
        stored = json.dumps(message.model_dump(mode="json"))
        assert "anna" not in stored.lower()
        assert "701234567" not in stored

    async def test_an_sms_only_message_has_one_notification(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = direct_body(email=None, phone="+46 70 765 43 21", language="en")
        response = await client.post(ROUTE, json=body, headers=token())
        assert response.status_code == 201, response.text
        [row] = await notifications(session, response.json()["id"])
        assert (row.channel, row.address, row.language) == ("sms", "+46707654321", "en")

    async def test_a_retry_with_the_same_key_replays_the_first_message(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        headers = {**token(), "Idempotency-Key": f"tip-feedback-{uuid.uuid4()}"}
        first = await client.post(ROUTE, json=direct_body(), headers=headers)
        again = await client.post(ROUTE, json=direct_body(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotency-Replay"] == "true"
        assert again.json() == first.json()
        assert len(await notifications(session, first.json()["id"])) == 1
        messages = await session.exec(select(Message).where(Message.kind == "transactional"))
        assert len(messages.all()) == 1

    async def test_a_key_reused_for_another_message_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        await client.post(ROUTE, json=direct_body(), headers=headers)
        other = await client.post(ROUTE, json=direct_body(body="Något annat."), headers=headers)
        assert other.status_code == 422
        assert other.json()["title"] == "Idempotency key reused with another request"

    async def test_no_subscription_is_made_or_needed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post(ROUTE, json=direct_body(), headers=token())
        conn = await session.connection()
        assert await tables_holding(conn, "anna.svensson") == ["notification.address"]


class TestBounds:
    async def test_a_token_for_another_municipality_is_refused(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        response = await client.post(ROUTE, json=direct_body(), headers=token(None, [OTHER]))
        assert response.status_code == 403
        assert (await session.exec(select(Notification))).all() == []

    async def test_a_token_without_the_write_scope_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(ROUTE, json=direct_body(), headers=token(["notify:read"]))
        assert response.status_code == 403

    async def test_another_municipality_reads_neither_the_message_nor_its_log(
        self, client: httpx.AsyncClient
    ) -> None:
        sent = (await client.post(ROUTE, json=direct_body(), headers=token())).json()
        foreign = token(None, [OTHER])
        assert (await client.get(f"/messages/{sent['id']}", headers=foreign)).status_code == 404
        log = await client.get("/notifications", params={"message_id": sent["id"]}, headers=foreign)
        assert log.json()["total"] == 0
        own = await client.get("/notifications", params={"message_id": sent["id"]}, headers=token())
        [row] = own.json()["items"]
        assert row["address"] == "a***@example.se"
        assert row["kind"] == "transactional"

    async def test_the_replay_of_a_key_is_refused_to_another_municipality(
        self, client: httpx.AsyncClient
    ) -> None:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        both = token(None, [HOME, OTHER])
        first = await client.post(ROUTE, json=direct_body(), headers={**both, **key})
        assert first.status_code == 201
        # The same subject ("tester") with a token for the other municipality only.
        again = await client.post(
            ROUTE, json=direct_body(), headers={**token(None, [OTHER]), **key}
        )
        assert again.status_code == 403


class TestRefusals:
    @pytest.mark.parametrize(
        ("overrides", "pointer"),
        [
            ({"email": None}, ""),
            ({"email": "not-an-address"}, "/email"),
            ({"email": "anna@exa mple.se"}, "/email"),
            ({"email": f"anna@{'x' * 64}.se"}, "/email"),
            ({"phone": "ring mig"}, "/phone"),
            ({"language": "de"}, "/language"),
            ({"subject": "x" * 201}, "/subject"),
            ({"body": "x" * 5001}, "/body"),
            ({"reference": "r" * 101}, "/reference"),
            ({"municipality_code": "683"}, "/municipality_code"),
            ({"topic": "action_plans"}, "/topic"),
        ],
    )
    async def test_a_bad_body_is_refused_and_sends_nothing(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        overrides: dict[str, Any],
        pointer: str,
    ) -> None:
        response = await client.post(ROUTE, json=direct_body(**overrides), headers=token())
        assert response.status_code == 422, response.text
        assert pointer in [e["pointer"] for e in response.json()["errors"]]
        assert (await session.exec(select(Notification))).all() == []

    async def test_an_error_never_echoes_the_address(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            ROUTE, json=direct_body(email="anna.svensson@exa mple.se"), headers=token()
        )
        assert response.status_code == 422
        assert "anna" not in response.text


class TestResend:
    async def test_a_finished_direct_notification_can_be_sent_again(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        sent = (await client.post(ROUTE, json=direct_body(), headers=token())).json()
        [row] = await notifications(session, sent["id"])
        row.status, row.next_attempt_at = "permanent-failure", None
        session.add(row)
        await session.flush()
        response = await client.post(f"/notifications/{row.id}/resend", headers=token())
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "created"


# --- the real SMTP path -----------------------------------------------------------------------


@dataclass
class Rig:
    app: FastAPI
    sessionmaker: Sessionmaker
    dispatcher: Dispatcher
    inbox: Any
    sms: Any


@pytest.fixture
async def rig(
    app: FastAPI, settings: Settings, engine: AsyncEngine, tmp_path: Path, clean: None
) -> AsyncIterator[Rig]:
    with smtp_server() as (port, inbox):
        async with load_sink("sms_gateway").running(tmp_path) as (sms_url, store):
            configured = settings.model_copy(
                update={
                    "smtp": SmtpSettings(port=port, connections=1),
                    "sms": SmsSettings(base_url=sms_url),
                }
            )
            sessionmaker = create_sessionmaker(engine)
            outbound = worker.channels(configured)
            dispatcher = worker.dispatcher(configured, sessionmaker, outbound)
            yield Rig(app, sessionmaker, dispatcher, inbox, store)
            await outbound.aclose()


async def committed_send(rig: Rig, body: dict[str, Any]) -> dict[str, Any]:
    """POST /direct-messages through the app's own sessions, which commit."""
    async with api_client(rig.app) as client:
        response = await client.post(ROUTE, json=body, headers=token())
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class TestDelivery:
    async def test_a_direct_email_is_delivered_without_an_unsubscribe_link(self, rig: Rig) -> None:
        sent = await committed_send(rig, direct_body())
        assert await rig.dispatcher.dispatch_batch() == 1
        [envelope] = rig.inbox.messages
        assert envelope.rcpt_tos == ["anna.svensson@example.se"]
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        async with rig.sessionmaker() as session:
            [row] = await notifications(session, sent["id"])
            outbox = list(await session.exec(select(OutboxMessage)))
            found = await tables_holding(await session.connection(), "anna.svensson")
        assert message["Message-ID"] == f"<{row.id}@trygg.example>"
        assert message["Subject"] == "Ditt tips är mottaget"
        assert message["List-Unsubscribe"] is None
        assert message["List-Unsubscribe-Post"] is None
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "Tack för ditt tips om en otrygg plats. Referens: 3D5B8F9E." in text
        assert "eftersom du bad att få svar" in text
        assert "unsubscribe" not in text + html
        assert (row.status, row.attempts) == ("delivered", 1)
        [event] = [e.payload for e in outbox]
        assert event["type"] == "se.trygg.notify.notification.delivered.v1"
        assert event["data"]["notification_id"] == str(row.id)
        assert "anna" not in json.dumps(event).lower()
        assert found == ["notification.address"]

    async def test_a_direct_sms_ends_with_the_municipality_not_a_stop_link(self, rig: Rig) -> None:
        body = direct_body(email=None, phone="0701234567", language="en", body="Thanks.")
        await committed_send(rig, body)
        assert await rig.dispatcher.dispatch_batch() == 1
        [sms] = rig.sms.messages
        assert sms["to"] == "+46701234567"
        assert sms["message"] == "Thanks. /Värnamo municipality"
