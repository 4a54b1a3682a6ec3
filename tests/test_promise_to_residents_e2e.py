"""A citizens' promise, across services: signed in patrols, its progress counted from the
events the work publishes, and told to the residents who chose it through notify.

The same system as the round test (tips, patrols and notify against the test stack's Kafka and
PostgreSQL, a real SMTP server). The police sign a promise of trygghetsrundor at a hot spot:
the resident who chose the promise hears of it once, and nobody else does. A round completed
at the hot spot moves the commitment's figure through patrols' own event; the follow-up tells
the resident the figure.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from round_system import (
    RoundSystem,
    confirm,
    designate,
    eventually,
    install_categories,
    plan_round,
    police,
    ranking,
    report_incidents,
    round_databases,
    round_system,
    settle,
    subscribe,
    today,
    work_round,
)
from shared.testing import wait_until

pytestmark = pytest.mark.kafka
__all__ = ["round_databases", "round_system"]  # fixtures

CHOSE, DID_NOT = "lofte@example.se", "planer@example.se"


def _promise(hot_spot_id: str) -> dict[str, Any]:
    return {
        "title": "Medborgarlöfte 2027",
        "police_area": "Lokalpolisområde Rundby",
        "period_start": str(today() - timedelta(days=30)),
        "period_end": str(today() + timedelta(days=335)),
        "focus_areas": ["närvaro", "narkotika och unga"],
        "commitments": [
            {
                "title": "Trygghetsrundor vid busskuren",
                "indicator": "rounds_done",
                "target": 10,
                "hot_spot_ids": [hot_spot_id],
            }
        ],
    }


async def _residents(system: RoundSystem) -> None:
    """One resident chose the promise, one only action plans; both far from any hot spot:
    the promise is the whole municipality's."""
    away = {"kind": "point", "center": system.place.point(dx_km=15), "radius_m": 300}
    await subscribe(system, CHOSE, away, {"promise": "email"})
    await subscribe(system, DID_NOT, away, {"action_plans": "email"})
    await eventually(
        lambda: all(len(system.emails_to(a)) == 1 for a in (CHOSE, DID_NOT)), "confirmations"
    )
    for address in (CHOSE, DID_NOT):
        await confirm(system, address)


def _promise_emails(system: RoundSystem) -> list[str]:
    return [
        m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in system.emails_to(CHOSE)
        if "medborgarlöfte" in str(m["Subject"]).lower()
    ]


async def _achieved(system: RoundSystem, promise_id: str) -> int:
    response = await system.patrols.get(f"/promises/{promise_id}", headers=police(system))
    assert response.status_code == 200, response.text
    achieved: int = response.json()["commitments"][0]["achieved"]
    return achieved


async def test_a_signed_promise_is_told_once_and_its_progress_comes_from_events(
    round_system: RoundSystem,
) -> None:
    system = round_system
    await _residents(system)
    await install_categories(system)
    await report_incidents(system, system.place.point(), 12, [])
    [top, *_] = await ranking(system)
    hot_spot_id = await designate(system, top["properties"], "Busskuren vid Rundvägen")
    path = f"/municipalities/{system.municipality}/promises"
    drafted = await system.patrols.post(path, json=_promise(hot_spot_id), headers=police(system))
    assert drafted.status_code == 201, drafted.text
    promise_id = drafted.json()["id"]
    signed = await system.patrols.post(f"/promises/{promise_id}/sign", headers=police(system))
    assert signed.status_code == 200, signed.text

    await eventually(lambda: len(_promise_emails(system)) == 1, "the signed promise's email")
    await settle(system)
    [told] = _promise_emails(system)
    assert "Medborgarlöfte 2027" in told
    assert f"/public/promises/{promise_id}" in told
    assert len(system.emails_to(DID_NOT)) == 1, "the confirmation only"

    assert await _achieved(system, promise_id) == 0
    planned = await plan_round(system, hot_spot_id, "Rundby 1-130", datetime.now(UTC))
    await work_round(system, planned)

    async def counted() -> bool:
        return await _achieved(system, promise_id) == 1

    await wait_until(counted, 60, "the round to count for the commitment")
    followed = await system.patrols.post(
        f"/promises/{promise_id}/follow-ups",
        json={"summary": "Första rundan är gjord."},
        headers=police(system),
    )
    assert followed.status_code in (200, 201), followed.text
    await eventually(lambda: len(_promise_emails(system)) == 2, "the follow-up's email")
    await settle(system)
    follow_up = _promise_emails(system)[1]
    assert "1 av 10" in follow_up, follow_up
    assert len(_promise_emails(system)) == 2, "the signing is told once"
    assert len(system.emails_to(DID_NOT)) == 1
