"""Who is told about an event: the audience resolved in PostGIS, created set-based, once."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify.messaging.models import Message, Notification
from notify.webhooks.models import Webhook
from notify_testkit import (
    FORSHEDA,
    KM_LON,
    consumed,
    measure,
    plan_facts,
    point,
    published,
    square,
    stakeholder_body,
    subscription_body,
    token,
    walk_facts,
)
from shared.contracts.walks import (
    ActionPlanRevised,
    ActionPlanWithdrawn,
    MeasureStatusChanged,
    WalkScheduled,
)

pytestmark = pytest.mark.service
CONFIG = handlers.HandlerConfig(attempt_budget=5, walk_invitation_buffer_m=0, cap=CapSettings())
EAST = FORSHEDA[0] + 3 * KM_LON  # three kilometres east of the plan's area


async def resident(
    client: httpx.AsyncClient, session: AsyncSession, *, confirm: bool = True, **body: object
) -> uuid.UUID:
    """A subscription made through the API, confirmed unless told otherwise."""
    conn = await session.connection()
    known = list((await conn.execute(text("SELECT id FROM subscription"))).scalars())
    response = await client.post("/subscriptions", json=subscription_body(**body))
    assert response.status_code == 202, response.text
    new = text("SELECT id FROM subscription WHERE id <> ALL(CAST(:known AS uuid[]))")
    id_ = (await conn.execute(new, {"known": known})).scalar_one()
    if confirm:
        await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE id = :id"), {"id": id_}
        )
    # Confirmation messages are not what these tests count.
    await conn.execute(text("DELETE FROM notification WHERE event_id LIKE 'confirmation:%'"))
    return uuid.UUID(str(id_))


async def told(session: AsyncSession, event_id: str) -> list[Notification]:
    rows = await session.exec(
        select(Notification).where(Notification.event_id == event_id).order_by(col(Notification.id))
    )
    return list(rows)


async def handle_published(session: AsyncSession, **facts: object) -> str:
    event = published(**facts)
    meta = consumed(event)
    await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
    return meta.id


class TestResidents:
    async def test_inside_the_widened_area_are_told_once_by_their_channel(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        inside = await resident(client, session, email="in@example.se")
        edge = FORSHEDA[0] + 0.5 * KM_LON + 0.08 * KM_LON  # 80 m outside, within the 100 m buffer
        near = await resident(
            client,
            session,
            email=None,
            phone="0701111111",
            place={"kind": "point", "center": point(edge), "radius_m": 0},
            topics={"action_plans": "sms"},
        )
        # 1 km east of the area's edge, but with a radius of 1.2 km it reaches in.
        reaching = await resident(
            client,
            session,
            email="reach@example.se",
            place={"kind": "point", "center": point(FORSHEDA[0] + 1.5 * KM_LON), "radius_m": 1200},
        )
        await resident(
            client, session, email="far@example.se", place={"kind": "point", "center": point(EAST)}
        )
        await resident(client, session, email="unconfirmed@example.se", confirm=False)
        await resident(
            client, session, email="other-topic@example.se", topics={"walk_invitations": "email"}
        )
        event_id = await handle_published(session)
        rows = await told(session, event_id)
        assert {(n.recipient_id, n.channel, n.address) for n in rows} == {
            (inside, "email", "in@example.se"),
            (near, "sms", "+46701111111"),
            (reaching, "email", "reach@example.se"),
        }
        assert {n.status for n in rows} == {"created"}
        assert {n.attempt_budget for n in rows} == {5}

    async def test_a_drawn_area_or_a_locality_that_meets_the_plan_is_told(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        drawn = await resident(
            client,
            session,
            email="drawn@example.se",
            place={"kind": "area", "polygon": square(FORSHEDA[0] + 0.8 * KM_LON, size_km=1)},
        )
        locality = await resident(
            client,
            session,
            email="forsheda@example.se",
            place={"kind": "locality", "name": "Forsheda"},
        )
        await resident(
            client, session, email="bor@example.se", place={"kind": "locality", "name": "Bor"}
        )
        rows = await told(session, await handle_published(session))
        assert {n.recipient_id for n in rows} == {drawn, locality}

    async def test_quiet_hours_hold_the_message_until_they_end(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        now = datetime.now(UTC)
        # A window that contains now: it opens at this hour UTC, which is an hour or two ago in
        # Stockholm (UTC+1, UTC+2 in summer), and closes four hours later.
        start, end = f"{(now.hour + 0) % 24:02d}:00", f"{(now.hour + 4) % 24:02d}:00"
        await resident(client, session, quiet_hours={"start": start, "end": end})
        [row] = await told(session, await handle_published(session))
        assert row.next_attempt_at is not None
        assert row.next_attempt_at > now

    async def test_the_same_event_twice_creates_nothing_twice(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session)
        event = published()
        meta = consumed(event)
        await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
        await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
        assert len(await told(session, meta.id)) == 1
        messages = await session.exec(select(Message).where(Message.event_id == meta.id))
        assert len(messages.all()) == 1

    async def test_an_event_handled_again_after_a_restore_makes_the_same_notifications(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session, email="a@example.se")
        await resident(
            client, session, email=None, phone="0701234567", topics={"action_plans": "sms"}
        )
        event = published()
        meta = consumed(event)
        await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
        before = {(n.channel, n.address): n.id for n in await told(session, meta.id)}
        # A restored database that never saw the event: its notifications and message are gone.
        conn = await session.connection()
        await conn.execute(text("DELETE FROM notification WHERE event_id = :e"), {"e": meta.id})
        await conn.execute(text("DELETE FROM message WHERE event_id = :e"), {"e": meta.id})
        await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
        after = {(n.channel, n.address): n.id for n in await told(session, meta.id)}
        assert len(before) == 2
        assert after == before, "the same ids: the same Message-ID, SMS reference and webhook-id"


class TestOnePersonOnce:
    async def test_overlapping_subscriptions_and_a_contact_get_one_message_per_channel(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """Home by a point, the village by name, and by SMS too; and the person is also the
        contact of the organisation named in the plan."""
        person = "Anna@Example.se"
        home = await resident(client, session, email=person, topics={"action_plans": "email"})
        village = await resident(
            client,
            session,
            email=person,
            place={"kind": "locality", "name": "Forsheda"},
            topics={"action_plans": "email"},
        )
        await resident(
            client,
            session,
            email=person,
            phone="070-111 22 33",
            place={"kind": "area", "polygon": square()},
            topics={"action_plans": "sms"},
        )
        contact = {"name": "Anna", "email": person, "channel": "email"}
        body = stakeholder_body(contacts=[contact])
        assert (await client.post("/stakeholders", json=body, headers=token())).status_code == 201
        rows = await told(session, await handle_published(session))
        assert sorted((n.channel, n.address, n.recipient_kind) for n in rows) == [
            ("email", "anna@example.se", "resident"),
            ("sms", "+46701112233", "resident"),
        ]
        [by_email] = [n for n in rows if n.channel == "email"]
        assert by_email.recipient_id in (home, village)

    async def test_the_database_refuses_a_second_notification_to_one_address(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        await resident(client, session)
        [row] = await told(session, await handle_published(session))
        copy = text(
            "INSERT INTO notification (id, message_id, event_id, recipient_kind, recipient_id, "
            "channel, address, language, status, attempt_budget, created_at, updated_at) "
            "SELECT gen_random_uuid(), message_id, event_id, 'contact', gen_random_uuid(), "
            "channel, address, language, status, 1, now(), now() FROM notification WHERE id = :id"
        )
        conn = await session.connection()
        with pytest.raises(IntegrityError, match="uq_notification_event_channel_address"):
            async with conn.begin_nested():
                await conn.execute(copy, {"id": row.id})


class TestStakeholders:
    async def test_named_responsible_and_those_responsible_for_the_area_are_told(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        bodies = [
            stakeholder_body(),  # named in the measure, no area
            stakeholder_body(
                key="org:556036-0793",
                name="Skolan",
                kind="school",
                area=square(),
                contacts=[{"name": "Rektor", "phone": "0702222222", "channel": "sms"}],
            ),
            stakeholder_body(
                key="org:556677-8899",
                name="Bostäder",
                kind="housing_company",
                area=square(),
                categories=["traffic"],
            ),
            stakeholder_body(
                key="org:556016-0680", name="Långt bort", kind="business", area=square(EAST)
            ),
        ]
        for body in bodies:
            response = await client.post("/stakeholders", json=body, headers=token())
            assert response.status_code == 201, response.text
        rows = await told(session, await handle_published(session))
        assert sorted((n.recipient_kind, n.channel, n.address) for n in rows) == [
            ("contact", "email", "gata@varnamo.example.se"),
            ("contact", "sms", "+46702222222"),
        ]
        assert all(n.stakeholder_id for n in rows)

    async def test_a_walk_invites_organisations_of_its_area_whatever_their_categories(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = stakeholder_body(area=square(), categories=["lighting"])
        assert (await client.post("/stakeholders", json=body, headers=token())).status_code == 201
        walk = WalkScheduled.model_validate(walk_facts())
        meta = consumed(walk)
        await handlers.on_walk_scheduled(walk, session, meta=meta, config=CONFIG)
        [row] = await told(session, meta.id)
        assert (row.recipient_kind, row.address) == ("contact", "gata@varnamo.example.se")

    async def test_a_walk_recorded_after_it_was_held_invites_no_one(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = stakeholder_body(area=square(), categories=["lighting"])
        assert (await client.post("/stakeholders", json=body, headers=token())).status_code == 201
        await resident(client, session)
        walk = WalkScheduled.model_validate(walk_facts())
        meta = consumed(walk)
        meta.envelope.time = walk.starts_at + timedelta(days=10)
        await handlers.on_walk_scheduled(walk, session, meta=meta, config=CONFIG)
        assert await told(session, meta.id) == []

    async def test_stakeholders_of_another_municipality_are_not_told(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = stakeholder_body(municipality_code="0662", key="dept:0662:GATA", area=square())
        response = await client.post(
            "/stakeholders", json=body, headers=token(municipalities=["0662"])
        )
        assert response.status_code == 201
        assert await told(session, await handle_published(session)) == []


class TestWebhooks:
    async def test_subscribers_of_the_event_type_in_the_municipality_get_one_each(
        self, session: AsyncSession
    ) -> None:
        kinds = [
            ("0683", ["se.trygg.walks.action_plan.published.v1"]),
            ("0683", ["se.trygg.walks.walk.scheduled.v1"]),
            ("0662", ["se.trygg.walks.action_plan.published.v1"]),
        ]
        hooks = [
            Webhook(
                municipality_code=m,
                url="https://93.184.215.14/h",
                event_types=t,
                secret="whsec_c2VjcmV0",
                created_by="t",
            )
            for m, t in kinds
        ]
        session.add_all(hooks)
        await session.flush()
        rows = await told(session, await handle_published(session))
        assert [(n.recipient_id, n.channel) for n in rows] == [(hooks[0].id, "webhook")]


class TestFollowUps:
    async def test_a_revision_reaches_whoever_was_told_before_and_is_now_outside(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        inside = await resident(client, session, email="in@example.se")
        plan = plan_facts()
        await handle_published(session, plan_id=plan["plan_id"])
        moved = {
            **plan,
            "affected_area": {"type": "MultiPolygon", "coordinates": [square(EAST)["coordinates"]]},
        }
        revised = ActionPlanRevised.model_validate(
            {**moved, "revision": 2, "revised_at": datetime.now(UTC), "revision_note": "Flyttad."}
        )
        meta = consumed(revised)
        await handlers.on_action_plan_revised(revised, session, meta=meta, config=CONFIG)
        assert [n.recipient_id for n in await told(session, meta.id)] == [inside]
        withdrawn = ActionPlanWithdrawn.model_validate(
            {**moved, "withdrawn_at": datetime.now(UTC), "reason": "Ersatt."}
        )
        meta = consumed(withdrawn)
        await handlers.on_action_plan_withdrawn(withdrawn, session, meta=meta, config=CONFIG)
        assert [n.recipient_id for n in await told(session, meta.id)] == [inside]

    async def test_a_walk_invites_those_subscribed_to_invitations_in_its_area(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        invited = await resident(client, session, topics={"walk_invitations": "email"})
        await resident(client, session, email="plans@example.se", topics={"action_plans": "email"})
        walk = WalkScheduled.model_validate(walk_facts())
        meta = consumed(walk)
        await handlers.on_walk_scheduled(walk, session, meta=meta, config=CONFIG)
        assert [n.recipient_id for n in await told(session, meta.id)] == [invited]

    async def test_a_measure_done_tells_the_area_and_other_changes_only_integrators(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        done_reader = await resident(client, session, topics={"measures_done": "email"})
        facts = plan_facts()
        base = {
            "plan_id": facts["plan_id"],
            "plan_title": facts["title"],
            "municipality_code": "0683",
            "locality": "Forsheda",
            "changed_at": datetime.now(UTC),
            "affected_area": facts["affected_area"],
            "buffer_m": 0,
            "public_url": facts["public_url"],
        }
        for status, previous, expected in (
            ("in_progress", "accepted", []),
            ("done", "in_progress", [done_reader]),
        ):
            event = MeasureStatusChanged.model_validate(
                {**base, "measure": measure(status=status), "previous_status": previous}
            )
            meta = consumed(event)
            await handlers.on_measure_status_changed(event, session, meta=meta, config=CONFIG)
            assert [n.recipient_id for n in await told(session, meta.id)] == expected
