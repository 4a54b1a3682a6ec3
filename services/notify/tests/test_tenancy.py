"""A resident's consent is given to one municipality: a message from another never reaches
them, for every kind of message, and the delivery log never shows them to another."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify.messaging.models import Notification
from notify.webhooks.models import Webhook
from notify_testkit import (
    FORSHEDA,
    HOME,
    KM_LON,
    OTHER,
    consumed,
    measure,
    plan_facts,
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
    WalkRescheduled,
    WalkScheduled,
)
from shared.events import Contract

pytestmark = pytest.mark.service
EAST = FORSHEDA[0] + 3 * KM_LON  # three kilometres east of the residents
CONFIG = handlers.HandlerConfig(attempt_budget=5, walk_invitation_buffer_m=0, cap=CapSettings())
TOPICS = dict.fromkeys(("action_plans", "walk_invitations", "measures_done"), "email")
ALL_TYPES = [
    "se.trygg.walks.action_plan.published.v1",
    "se.trygg.walks.action_plan.revised.v1",
    "se.trygg.walks.action_plan.withdrawn.v1",
    "se.trygg.walks.walk.scheduled.v1",
    "se.trygg.walks.walk.rescheduled.v1",
    "se.trygg.walks.measure.status_changed.v1",
]


@dataclass(frozen=True)
class Tenant:
    """One municipality's resident, stakeholder contact and webhook, all at the same place."""

    code: str
    resident_email: str
    recipients: frozenset[uuid.UUID]


async def _tenant(client: httpx.AsyncClient, session: AsyncSession, code: str) -> Tenant:
    email = f"resident.{code}@example.se"
    body = subscription_body(email=email, municipality_code=code, topics=TOPICS)
    assert (await client.post("/subscriptions", json=body)).status_code == 202
    stakeholder = stakeholder_body(
        municipality_code=code,
        key=f"dept:{code}:GATA",
        area=square(),
        contacts=[{"name": "Gatuchef", "email": f"gata.{code}@example.se", "channel": "email"}],
    )
    created = await client.post("/stakeholders", json=stakeholder, headers=token(None, [code]))
    assert created.status_code == 201, created.text
    hook = Webhook(
        municipality_code=code,
        url=f"https://93.184.215.14/{code}",
        event_types=ALL_TYPES,
        secret="whsec_c2VjcmV0",
        created_by="t",
    )
    session.add(hook)
    await session.flush()
    conn = await session.connection()
    confirm = "UPDATE subscription SET status = 'confirmed' WHERE email = :a RETURNING id"
    contact = "SELECT id FROM stakeholder_contact WHERE email = :a"
    recipients = {hook.id}
    for query, address in ((confirm, email), (contact, f"gata.{code}@example.se")):
        ids = await conn.execute(text(query), {"a": address})
        recipients |= {uuid.UUID(str(i)) for i in ids.scalars()}
    await conn.execute(text("DELETE FROM notification"))
    return Tenant(code, email, frozenset(recipients))


@pytest.fixture
async def tenants(client: httpx.AsyncClient, session: AsyncSession) -> tuple[Tenant, Tenant]:
    return await _tenant(client, session, HOME), await _tenant(client, session, OTHER)


def _plan(code: str, **overrides: object) -> dict[str, object]:
    return plan_facts(municipality_code=code, measures=[measure(f"dept:{code}:GATA")], **overrides)


def _measure_changed(code: str, status: str) -> MeasureStatusChanged:
    facts = _plan(code)
    return MeasureStatusChanged.model_validate(
        {
            "plan_id": facts["plan_id"],
            "plan_title": facts["title"],
            "municipality_code": code,
            "locality": "Forsheda",
            "changed_at": datetime.now(UTC),
            "affected_area": facts["affected_area"],
            "buffer_m": 0,
            "public_url": facts["public_url"],
            "measure": measure(f"dept:{code}:GATA", status=status),
            "previous_status": "in_progress" if status == "done" else "accepted",
        }
    )


Handler = Callable[..., Awaitable[None]]


def _events(code: str) -> list[tuple[Contract, Handler]]:
    """One event of every kind notify tells people about, for the municipality."""
    now = datetime.now(UTC)
    return [
        (published(**_plan(code)), handlers.on_action_plan_published),
        (
            ActionPlanRevised.model_validate(
                {**_plan(code), "revision": 2, "revised_at": now, "revision_note": "Ny."}
            ),
            handlers.on_action_plan_revised,
        ),
        (
            ActionPlanWithdrawn.model_validate({**_plan(code), "withdrawn_at": now, "reason": "X"}),
            handlers.on_action_plan_withdrawn,
        ),
        (
            WalkScheduled.model_validate(walk_facts(municipality_code=code)),
            handlers.on_walk_scheduled,
        ),
        (
            WalkRescheduled.model_validate(walk_facts(municipality_code=code)),
            handlers.on_walk_rescheduled,
        ),
        (_measure_changed(code, "done"), handlers.on_measure_status_changed),
        (_measure_changed(code, "in_progress"), handlers.on_measure_status_changed),
    ]


async def _told(session: AsyncSession, event_id: str) -> set[uuid.UUID]:
    rows = await session.exec(select(Notification).where(Notification.event_id == event_id))
    return {n.recipient_id for n in rows if n.recipient_id is not None}


class TestEveryMessageKindStaysInItsMunicipality:
    @pytest.mark.parametrize("index", range(7), ids=lambda i: _events(HOME)[i][0].wire_type)
    async def test_an_event_reaches_only_its_own_municipality(
        self, session: AsyncSession, tenants: tuple[Tenant, Tenant], index: int
    ) -> None:
        for tenant in tenants:
            event, handle = _events(tenant.code)[index]
            meta = consumed(event)
            await handle(event, session, meta=meta, config=CONFIG)
            told = await _told(session, meta.id)
            assert told, "someone of the municipality is told"
            assert told <= tenant.recipients

    async def test_a_transactional_message_reaches_only_the_callers_municipality(
        self, client: httpx.AsyncClient, session: AsyncSession, tenants: tuple[Tenant, Tenant]
    ) -> None:
        for tenant in tenants:
            body = {
                "municipality_code": tenant.code,
                "topic": "action_plans",
                "subject": {"sv": "Hej"},
                "body": {"sv": "Text"},
                "audience": {"area": square(), "buffer_m": 5000},
            }
            response = await client.post("/messages", json=body, headers=token(None, [tenant.code]))
            assert response.status_code == 201, response.text
            told = await _told(session, response.json()["event_id"])
            assert told
            assert told <= tenant.recipients

    async def test_a_confirmation_belongs_to_the_subscriptions_municipality(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        body = subscription_body(municipality_code=OTHER)
        assert (await client.post("/subscriptions", json=body)).status_code == 202
        [row] = (await session.exec(select(Notification))).all()
        assert row.municipality_code == OTHER
        seen = await client.get("/notifications", headers=token(None, [HOME]))
        assert seen.json()["total"] == 0

    async def test_whoever_was_told_before_in_one_municipality_is_not_told_by_another(
        self, session: AsyncSession, tenants: tuple[Tenant, Tenant]
    ) -> None:
        home = tenants[0]
        plan = _plan(HOME)
        first = published(**plan)
        await handlers.on_action_plan_published(first, session, meta=consumed(first), config=CONFIG)
        far = {"type": "MultiPolygon", "coordinates": [square(EAST)["coordinates"]]}
        foreign = ActionPlanWithdrawn.model_validate(
            {
                **_plan(OTHER, plan_id=plan["plan_id"], affected_area=far),
                "withdrawn_at": datetime.now(UTC),
                "reason": "Ersatt.",
            }
        )
        meta = consumed(foreign)
        await handlers.on_action_plan_withdrawn(foreign, session, meta=meta, config=CONFIG)
        assert (await _told(session, meta.id)).isdisjoint(home.recipients)


class TestTheDeliveryLog:
    async def test_an_address_search_reveals_nothing_across_municipalities(
        self, client: httpx.AsyncClient, session: AsyncSession, tenants: tuple[Tenant, Tenant]
    ) -> None:
        home = tenants[0]
        for code in (HOME, OTHER):
            event = published(**_plan(code))
            meta = consumed(event)
            await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)

        async def total(code: str, address: str) -> tuple[int, int]:
            headers = token(None, [code])
            params = {"address": address}
            listed = await client.get("/notifications", params=params, headers=headers)
            counted = await client.get("/notifications/counts", params=params, headers=headers)
            return listed.json()["total"], counted.json()["total"]

        assert await total(HOME, home.resident_email) == (1, 1)
        assert await total(OTHER, home.resident_email) == (0, 0)
        assert await total(OTHER, home.resident_email) == await total(OTHER, "nobody@example.se")

    async def test_a_message_id_of_another_municipality_shows_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, tenants: tuple[Tenant, Tenant]
    ) -> None:
        event = published(**_plan(HOME))
        meta = consumed(event)
        await handlers.on_action_plan_published(event, session, meta=meta, config=CONFIG)
        message_id = (
            await session.exec(
                select(Notification.message_id).where(col(Notification.event_id) == meta.id)
            )
        ).first()
        assert message_id is not None
        params = {"message_id": str(message_id)}
        other = await client.get("/notifications", params=params, headers=token(None, [OTHER]))
        home = await client.get("/notifications", params=params, headers=token(None, [HOME]))
        assert (other.json()["total"], home.json()["total"]) == (0, 3)
