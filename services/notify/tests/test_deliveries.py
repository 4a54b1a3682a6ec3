"""The delivery log, resends, transactional sends, the CAP feed, and the callbacks."""

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cap_schema import assert_valid_cap
from notify import links
from notify.config import DEV_LINK_SECRET
from notify.directory.models import StakeholderContact
from notify.feeds import service as cap
from notify.messaging import handlers
from notify.messaging.models import Notification
from notify_testkit import (
    OTHER,
    box,
    consumed,
    plan_facts,
    published,
    stakeholder_body,
    token,
    world,
)
from shared.contracts.walks import ActionPlanRevised, ActionPlanWithdrawn
from shared.outbox import OutboxMessage
from test_audience import CONFIG, resident

pytestmark = pytest.mark.service


async def _plan(session: AsyncSession, **facts: object) -> tuple[str, str]:
    event = published(**facts)
    meta = consumed(event)
    await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
    return str(event.plan_id), meta.id


async def _finish(session: AsyncSession, status: str) -> None:
    conn = await session.connection()
    await conn.execute(
        text("UPDATE notification SET status = :s, next_attempt_at = NULL, attempts = 1"),
        {"s": status},
    )


class TestLog:
    async def test_per_plan_and_per_recipient_with_masked_addresses_and_counts(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        anna = await resident(client, session, email="anna@example.se")
        await resident(client, session, email="bo@example.se")
        plan_id, _ = await _plan(session)
        await _plan(session)
        page = await client.get("/notifications", params={"plan_id": plan_id}, headers=token())
        assert page.json()["total"] == 2
        assert {n["address"] for n in page.json()["items"]} == {
            "a***@example.se",
            "b***@example.se",
        }
        assert {n["plan_id"] for n in page.json()["items"]} == {plan_id}
        mine = await client.get(
            "/notifications", params={"address": "Anna@example.se"}, headers=token()
        )
        assert {n["recipient_id"] for n in mine.json()["items"]} == {str(anna)}
        assert mine.json()["total"] == 2
        counts = await client.get(
            "/notifications/counts", params={"plan_id": plan_id}, headers=token()
        )
        assert counts.json() == {
            "total": 2,
            "by_status": {"created": 2},
            "by_channel": {"email": {"created": 2}},
        }

    @pytest.mark.parametrize("path", ["/notifications", "/notifications/counts"])
    @pytest.mark.parametrize(
        "address", [f"a@{'x' * 70}.se", "a@x..se", "a@\u202ex.se", "070", "+4670", "tel:x"]
    )
    async def test_an_address_no_one_can_have_names_the_parameter(
        self, client: httpx.AsyncClient, path: str, address: str
    ) -> None:
        response = await client.get(path, params={"address": address}, headers=token())
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["parameter"] for e in response.json()["errors"]] == [
            {"in": "query", "name": "address"}
        ]

    async def test_another_municipality_sees_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session)
        await _plan(session)
        [row] = (await session.exec(select(Notification))).all()
        others = token(municipalities=[OTHER])
        assert (await client.get(f"/notifications/{row.id}", headers=others)).status_code == 404
        listed = await client.get("/notifications", headers=others)
        assert listed.json()["total"] == 0

    async def test_a_failed_notification_is_resent_under_its_id(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session)
        await _plan(session)
        [row] = (await session.exec(select(Notification))).all()
        url = f"/notifications/{row.id}/resend"
        refused = await client.post(url, headers=token())
        assert refused.status_code == 409, "a queued notification is not finished"
        await _finish(session, "permanent-failure")
        response = await client.post(url, headers=token())
        assert response.status_code == 200, response.text
        assert (response.json()["id"], response.json()["status"]) == (str(row.id), "created")
        await session.refresh(row)
        assert row.next_attempt_at is not None
        assert row.attempt_budget == 1 + 4
        forbidden = await client.post(url, headers=token(["notify:read"]))
        assert forbidden.status_code == 403

    async def test_nothing_is_resent_to_someone_who_unsubscribed(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        id_ = await resident(client, session)
        await _plan(session)
        await _finish(session, "delivered")
        manage = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, id_)
        await client.post(f"/subscriptions/unsubscribe/{manage}")
        [row] = (await session.exec(select(Notification))).all()
        response = await client.post(f"/notifications/{row.id}/resend", headers=token())
        assert response.status_code == 409


def _message(audience: dict[str, object]) -> dict[str, object]:
    return {
        "municipality_code": "0683",
        "topic": "action_plans",
        "subject": {"sv": "Hej"},
        "body": {"sv": "Text."},
        "audience": audience,
    }


class TestTransactionalSend:
    async def test_a_message_to_a_locality_and_a_named_organisation_once_per_key(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, topics={"measures_done": "email"})
        await client.post("/stakeholders", json=stakeholder_body(), headers=token())
        body = {
            "municipality_code": "0683",
            "topic": "measures_done",
            "subject": {"sv": "Belysningen är lagad"},
            "body": {"sv": "Alla armaturer lyser igen."},
            "audience": {"locality": "Forsheda", "stakeholder_keys": ["dept:0683:GATA"]},
        }
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        first = await client.post("/messages", json=body, headers=headers)
        assert first.status_code == 201, first.text
        assert first.json()["counts"]["total"] == 2
        again = await client.post("/messages", json=body, headers=headers)
        assert again.json() == first.json()
        assert len((await session.exec(select(Notification))).all()) == 2
        read = await client.get(f"/messages/{first.json()['id']}", headers=token())
        assert read.json()["counts"]["by_channel"] == {"email": {"created": 2}}

    @pytest.mark.parametrize(
        "area",
        [
            world(),
            {
                "type": "MultiPolygon",
                "coordinates": [
                    box(13, 57, 14, 58)["coordinates"],
                    box(20, 57, 22, 58)["coordinates"],
                ],
            },
        ],
    )
    async def test_an_area_larger_than_a_municipality_is_refused(
        self, client: httpx.AsyncClient, area: dict[str, object]
    ) -> None:
        body = _message({"area": area, "buffer_m": 5000})
        response = await client.post("/messages", json=body, headers=token())
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["pointer"] == "/audience/area"
        assert "a municipality's size" in error["detail"]

    @pytest.mark.parametrize(
        "area",
        [
            box(18.0, 66.0, 26.0, 70.0),  # as large as may be, in the north of Sweden
            box(172.0, 86.0, 180.0, 90.0),  # at the pole and the antimeridian
            box(-180.0, -2.0, -172.0, 2.0),
        ],
    )
    async def test_the_largest_areas_with_the_largest_buffer_reach_their_audience(
        self, client: httpx.AsyncClient, session: AsyncSession, area: dict[str, object]
    ) -> None:
        await resident(client, session, topics={"action_plans": "email"})
        body = _message({"area": area, "buffer_m": 5000})
        response = await client.post("/messages", json=body, headers=token())
        assert response.status_code == 201, response.text
        assert response.json()["counts"]["total"] == 0

    async def test_an_audience_is_needed(self, client: httpx.AsyncClient) -> None:
        body = {
            "municipality_code": "0683",
            "topic": "action_plans",
            "subject": {"sv": "x"},
            "body": {"sv": "y"},
            "audience": {},
        }
        response = await client.post("/messages", json=body, headers=token())
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/audience"


def delivered_sms_counted() -> float:
    labels = {"service": "notify", "channel": "sms", "status": "delivered"}
    return REGISTRY.get_sample_value("trygg_notifications_total", labels) or 0.0


class TestCapFeed:
    async def test_publication_revision_and_withdrawal_as_alert_update_cancel(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        facts = plan_facts()
        await _plan(session, plan_id=facts["plan_id"])
        revised = ActionPlanRevised.model_validate(
            {**facts, "revision": 2, "revised_at": datetime.now(UTC), "revision_note": "Ny."}
        )
        await handlers.on_action_plan_revised(
            revised, session, meta=consumed(revised), config=CONFIG
        )
        withdrawn = ActionPlanWithdrawn.model_validate(
            {**facts, "revision": 2, "withdrawn_at": datetime.now(UTC), "reason": "Ersatt."}
        )
        await handlers.on_action_plan_withdrawn(
            withdrawn, session, meta=consumed(withdrawn), config=CONFIG
        )
        feed = await client.get("/cap/0683/alerts.atom")
        assert feed.headers["content-type"].startswith(cap.ATOM_TYPE)
        atom = {"a": cap.ATOM}
        entries = ET.fromstring(feed.text.split("\n", 1)[1]).findall("a:entry", atom)
        titles = [e.findtext("a:title", namespaces=atom) or "" for e in entries]
        assert [t.split(":")[0] for t in titles] == ["Cancel", "Update", "Alert"]
        root = ET.fromstring(feed.text.split("\n", 1)[1])
        assert (
            root.findtext("a:title", namespaces=atom) == "Trygg: åtgärdsplaner i Värnamo (CAP 1.2)"
        )
        summaries = [e.findtext("a:summary", namespaces=atom) for e in entries]
        summary = facts["public_summary"]
        assert summaries == ["Ersatt.", f"Ändrat: Ny.\n\n{summary}", summary]
        served = []
        for entry in entries:
            href = entry.find("a:link", atom).get("href")  # type: ignore[union-attr]
            assert href is not None
            served.append(await client.get(href.replace("https://trygg.example.se/notify", "")))
        for alert in served:
            assert_valid_cap(alert.text)  # what consumers fetch passes the OASIS schema
        cancel = served[0]
        assert cancel.headers["content-type"].startswith(cap.MEDIA_TYPE)
        root = ET.fromstring(cancel.text.split("\n", 1)[1])
        references = root.findtext("c:references", namespaces={"c": cap.CAP}) or ""
        assert len(references.split()) == 2
        assert (await client.get(f"/cap/alerts/{uuid.uuid4()}")).status_code == 404


class TestCallbacks:
    async def test_a_contact_stops_messages_with_one_post(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await client.post("/stakeholders", json=stakeholder_body(), headers=token())
        contact = (await session.exec(select(StakeholderContact))).one()
        opt_out = links.make(DEV_LINK_SECRET, links.Purpose.CONTACT_OPT_OUT, contact.id)
        page = await client.get(f"/contacts/opt-out/{opt_out}")
        assert 'method="post"' in page.text
        assert (await client.post(f"/contacts/opt-out/{opt_out}")).status_code == 200
        await session.refresh(contact)
        assert contact.opted_out_at is not None
        await _plan(session)
        assert (await session.exec(select(Notification))).all() == []

    async def test_a_delivery_report_settles_an_sms_that_was_sending(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(
            client, session, email=None, phone="0701234567", topics={"action_plans": "sms"}
        )
        await _plan(session)
        await _finish(session, "sending")
        [row] = (await session.exec(select(Notification))).all()
        report = links.make(DEV_LINK_SECRET, links.Purpose.DELIVERY_REPORT, row.id)
        counted = delivered_sms_counted()
        for _ in range(2):  # the gateway may report twice; it is settled and counted once
            response = await client.post(
                f"/sms/delivery-reports/{report}",
                content="id=s1&status=delivered&delivered=2027-01-01T10:00:00",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 204
        assert delivered_sms_counted() == counted + 1
        await session.refresh(row)
        assert row.status == "delivered"
        [event] = (await session.exec(select(OutboxMessage))).all()
        assert event.type == "se.trygg.notify.notification.delivered.v1"
        assert event.payload["data"]["channel"] == "sms"
        forged = links.make(DEV_LINK_SECRET, links.Purpose.MANAGE, row.id)
        assert (await client.post(f"/sms/delivery-reports/{forged}")).status_code == 404
