"""One person, told once per channel, across services: two overlapping subscriptions by email,
one by SMS (with the same email address), and that address also the contact of the
organisation a measure names.
A plan's publication, its revision and its withdrawal each reach them exactly once by email and
once by SMS; after "stop everything" from a message's own link, nothing more reaches them.
"""

import re
from typing import Any

import pytest
from sqlalchemy import text

from plan_system import (
    System,
    databases,
    eventually,
    follow_confirmation,
    press,
    publish_plan,
    settle,
    subscribe,
    system,
)
from shared.testing import bearer, wait_until

pytestmark = pytest.mark.kafka
__all__ = ["databases", "system"]  # fixtures

EMAIL, PHONE = "anna@example.se", "+46705551234"


async def _person(system: System) -> None:
    p = system.place
    email_topics = {"action_plans": "email"}
    near_home = {"kind": "point", "center": p.point(), "radius_m": 100}
    await subscribe(system, {"email": EMAIL, "place": near_home, "topics": email_topics})
    village = {"kind": "area", "polygon": p.square(size_km=0.5)}
    await subscribe(system, {"email": EMAIL, "place": village, "topics": email_topics})
    by_sms = {"kind": "point", "center": p.point(), "radius_m": 300}
    sms_topics = {"action_plans": "sms"}
    await subscribe(
        system, {"email": EMAIL, "phone": "070-555 12 34", "place": by_sms, "topics": sms_topics}
    )
    await eventually(lambda: len(system.emails_to(EMAIL)) == 3, "the three confirmations")
    for confirmation in system.emails_to(EMAIL):
        await follow_confirmation(system, confirmation.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    stakeholder = {
        "municipality_code": p.municipality,
        "key": f"dept:{p.municipality}:GATA",
        "name": "Gatuavdelningen",
        "kind": "municipal_department",
        "contacts": [{"name": "Anna", "email": EMAIL, "channel": "email"}],
    }
    staff = bearer(["notify:read", "notify:write"], [p.municipality])
    response = await system.notify.post("/stakeholders", json=stakeholder, headers=staff)
    assert response.status_code == 201, response.text


async def _told(system: System, emails: int, sms: int, what: str) -> None:
    """Wait until the person has this many messages, let everything settle, and check that
    no more came."""
    await eventually(
        lambda: len(system.emails_to(EMAIL)) >= emails and len(system.sms_to(PHONE)) >= sms, what
    )
    await settle(system)
    assert (len(system.emails_to(EMAIL)), len(system.sms_to(PHONE))) == (emails, sms), what


def _publisher(system: System) -> dict[str, str]:
    return bearer(["walks:read", "walks:write", "walks:publish"], [system.place.municipality])


async def _post(system: System, path: str, body: dict[str, Any] | None = None) -> None:
    response = await system.walks.post(path, json=body, headers=_publisher(system))
    assert response.status_code == 200, response.text


async def _plan_known_to_notify(system: System, plan_id: str) -> None:
    async def known() -> bool:
        async with system.notify_engine.connect() as conn:
            query = text("SELECT count(*) FROM message WHERE CAST(plan_id AS text) = :id")
            return int((await conn.execute(query, {"id": plan_id})).scalar_one()) > 0

    await wait_until(known, 60, "notify to have the plan's message")


async def test_a_person_is_told_once_per_channel_and_nothing_after_stopping_everything(
    system: System,
) -> None:
    await _person(system)
    plan_id = await publish_plan(system)
    await _told(system, 3 + 1, 1, "the publication")
    changed = await system.walks.patch(
        f"/action-plans/{plan_id}",
        json={"public_summary": "Belysningen byts redan i höst."},
        headers=_publisher(system),
    )
    assert changed.status_code == 200, changed.text
    await _post(system, f"/action-plans/{plan_id}/revise", {"revision_note": "Tidigare start."})
    await _told(system, 5, 2, "the revision")
    await _post(system, f"/action-plans/{plan_id}/withdraw", {"reason": "Ersätts."})
    await _told(system, 6, 3, "the withdrawal")
    subjects = [m["Subject"] for m in system.emails_to(EMAIL)[3:]]
    assert [s.split(" ")[0] for s in subjects] == ["Åtgärdsplan", "Ändrad", "Åtgärdsplanen"]

    link = system.emails_to(EMAIL)[-1]["List-Unsubscribe"]
    match = re.search(r"/subscriptions/unsubscribe/([A-Za-z0-9_-]+)", link)
    assert match, link
    page_url = f"/subscriptions/unsubscribe/{match[1]}"
    page = await system.notify.get(page_url)
    await press(system, page_url, page.text, "unsubscribe-everything")

    again = await publish_plan(system)
    await _plan_known_to_notify(system, again)
    await settle(system)
    assert (len(system.emails_to(EMAIL)), len(system.sms_to(PHONE))) == (6, 3)
