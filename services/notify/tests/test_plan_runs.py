"""Plan events in runs, as the consumer hands a partition's batch of them to notify: a message
and a CAP alert per event, each plan's own audience, each municipality's residents told only of
its own plans, and a revision's alert referring to every earlier one of its plan, also one
earlier in the same run."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify_testkit import HOME, OTHER, consumed, measure, plan_facts, published, subscription_body
from shared.consumer import Received
from shared.contracts.walks import ActionPlanPublished, ActionPlanRevised
from shared.events import Contract

pytestmark = pytest.mark.service
CONFIG = handlers.HandlerConfig(attempt_budget=5, walk_invitation_buffer_m=0, cap=CapSettings())


async def _resident(client: httpx.AsyncClient, session: AsyncSession, code: str) -> uuid.UUID:
    email = f"resident.{code}.{uuid.uuid4().hex[:6]}@example.se"
    body = subscription_body(email=email, municipality_code=code, topics={"action_plans": "email"})
    assert (await client.post("/subscriptions", json=body)).status_code == 202
    confirm = "UPDATE subscription SET status = 'confirmed' WHERE email = :a RETURNING id"
    conn = await session.connection()
    return uuid.UUID(str((await conn.execute(text(confirm), {"a": email})).scalar_one()))


def _run(*events: Contract) -> list[Received]:
    """The events as the consumer hands a batch route one partition's run of them."""
    return [
        Received(event, consumed(event), ConsumerRecord("t", 0, i, 0, 0, None, b"", None, 0, 0, []))
        for i, event in enumerate(events)
    ]


def _plan(code: str, **overrides: object) -> dict[str, object]:
    return plan_facts(municipality_code=code, measures=[measure(f"dept:{code}:GATA")], **overrides)


async def _told(session: AsyncSession, residents: list[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """(resident, plan) for every notification to these residents."""
    query = (
        "SELECT n.recipient_id, m.plan_id FROM notification n JOIN message m "
        "ON m.id = n.message_id WHERE n.recipient_id = ANY(CAST(:ids AS uuid[])) "
        "AND m.plan_id IS NOT NULL"  # not the confirmation the subscription sent
    )
    rows = await (await session.connection()).execute(text(query), {"ids": residents})
    return {(recipient, str(plan)) for recipient, plan in rows}


async def _plan_notifications(session: AsyncSession, resident: uuid.UUID) -> int:
    query = (
        "SELECT count(*) FROM notification n JOIN message m ON m.id = n.message_id "
        "WHERE n.recipient_id = :r AND m.plan_id IS NOT NULL"
    )
    return int(
        (await (await session.connection()).execute(text(query), {"r": resident})).scalar_one()
    )


async def _alerts(session: AsyncSession, plan_id: str) -> list[tuple[str, str, str | None, str]]:
    query = (
        'SELECT identifier, msg_type, "references", municipality_code FROM cap_alert '
        "WHERE plan_id = :p ORDER BY sent"
    )
    rows = await (await session.connection()).execute(text(query), {"p": plan_id})
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_run_of_plans_tells_each_resident_of_each_plan_in_their_municipality_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    home, other = await _resident(client, session, HOME), await _resident(client, session, OTHER)
    plans = [published(**_plan(HOME)), published(**_plan(HOME)), published(**_plan(OTHER))]

    await handlers.on_action_plans_published(_run(*plans), session, config=CONFIG)

    ids = [str(p.plan_id) for p in plans]
    assert await _told(session, [home, other]) == {(home, ids[0]), (home, ids[1]), (other, ids[2])}
    for plan in plans:
        [(identifier, msg_type, references, code)] = await _alerts(session, str(plan.plan_id))
        assert (msg_type, references, code) == ("Alert", None, plan.municipality_code)
        assert identifier.startswith("urn:uuid:")


async def test_a_run_handled_again_tells_no_one_twice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The message's unique event id guards a run whose inbox claim was lost: no second
    notification for the events told already, while a new one in the run is told."""
    home = await _resident(client, session, HOME)
    first, second = published(**_plan(HOME)), published(**_plan(HOME))
    run = _run(first)
    await handlers.on_action_plans_published(run, session, config=CONFIG)
    again = [*run, *_run(second)]
    await handlers.on_action_plans_published(again, session, config=CONFIG)

    told = await _told(session, [home])
    assert told == {(home, str(first.plan_id)), (home, str(second.plan_id))}
    assert await _plan_notifications(session, home) == 2


async def test_revisions_in_one_run_refer_to_every_earlier_alert_of_their_plan(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    home = await _resident(client, session, HOME)
    facts = _plan(HOME)
    first = ActionPlanPublished.model_validate({**facts, "published_at": datetime.now(UTC)})
    await handlers.on_action_plans_published(_run(first), session, config=CONFIG)
    later = datetime.now(UTC) + timedelta(seconds=1)
    revisions: list[Contract] = [
        ActionPlanRevised.model_validate(
            {
                **facts,
                "revision": n,
                "revised_at": later + timedelta(seconds=n),
                "revision_note": f"Ändring {n}.",
            }
        )
        for n in (2, 3)
    ]

    await handlers.on_action_plans_revised(_run(*revisions), session, config=CONFIG)

    alert, update, second_update = await _alerts(session, str(first.plan_id))
    assert [alert[1], update[1], second_update[1]] == ["Alert", "Update", "Update"]
    assert update[2] is not None
    assert second_update[2] is not None
    assert [ref.split(",")[1] for ref in update[2].split(" ")] == [alert[0]]
    assert [ref.split(",")[1] for ref in second_update[2].split(" ")] == [alert[0], update[0]]
    # Whoever was told of the plan hears of each revision.
    assert await _plan_notifications(session, home) == 3
