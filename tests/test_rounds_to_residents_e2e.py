"""From tips and incidents to a resident's feedback on a patrol round, across services.

tips (its real app and relay), patrols (its app, relay and consumer) and notify (its app,
consumer and dispatcher) run against the test stack's Kafka and PostgreSQL; a real SMTP server
takes what notify sends. Residents' tips become incidents in patrols; with the police's
incidents their cell ranks first; designated a hot spot, it is visited on a round; when the
round is completed, the resident who chose patrol rounds near it hears of it once, without the
time of day, and nobody else does. A second round there the same day tells nobody again.

Other tests write to the events topics too: each consumer reads with a group of its own whose
offsets start at its topics' end, in a municipality and a place no other test uses.
"""

import re
from datetime import UTC, datetime

import pytest

from round_system import (
    SWEDISH_TIME,
    RoundSystem,
    designate,
    handled_rounds,
    incidents_from_tips,
    install_categories,
    plan_round,
    ranking,
    report_incidents,
    residents,
    round_databases,
    round_system,
    send_tips,
    settle,
    work_round,
)
from shared.dates import spelled_day
from shared.testing import wait_until

pytestmark = pytest.mark.kafka
__all__ = ["round_databases", "round_system"]  # fixtures

NEAR, OTHER_TOPIC, FAR = "granne@example.se", "planer@example.se", "borta@example.se"
TIPS, POLICE_HERE, SCATTERED = 6, 20, [-8.0, -4.0, 3.0, 9.0]
HOT_SPOT = "Busskuren vid Rundvägen"
# A time of day as messages would write one: 18.30 or 18:30.
TIME_OF_DAY = re.compile(r"\b\d{1,2}[.:]\d{2}\b")


async def _hot_spot_from_ranking(system: RoundSystem) -> str:
    """The tips' cell, with the police's incidents there, ranks first; it is designated."""
    await install_categories(system)
    await send_tips(system, TIPS)
    from_tips = await incidents_from_tips(system, TIPS)
    # Every tip of the place is in one square of tips' grid: one point, the square's centre.
    [_] = {tuple(f["geometry"]["coordinates"]) for f in from_tips}
    await report_incidents(system, from_tips[0]["geometry"], POLICE_HERE, SCATTERED)
    [first, *others] = await ranking(system)
    assert first["properties"]["rank"] == 1
    assert first["properties"]["count"] == TIPS + POLICE_HERE, "the tips' incidents count"
    assert all(o["properties"]["count"] <= 1 for o in others)
    [tip_cell, *_] = await ranking(system, source="tip")
    assert (tip_cell["id"], tip_cell["properties"]["count"]) == (first["id"], TIPS)
    return await designate(system, first["properties"], HOT_SPOT)


async def test_a_completed_round_tells_the_subscribed_resident_of_its_hot_spot_once(
    round_system: RoundSystem,
) -> None:
    system = round_system
    await residents(system, NEAR, OTHER_TOPIC, FAR)
    hot_spot_id = await _hot_spot_from_ranking(system)
    # Two units' rounds over the hot spot in one shift: the same day, whatever the clock says.
    shift_start = datetime.now(UTC)
    first = await plan_round(system, hot_spot_id, "Rundby 1-110", shift_start)
    second = await plan_round(system, hot_spot_id, "Rundby 1-120", shift_start)

    await work_round(system, first)

    async def told() -> bool:
        return len(system.rounds_to(NEAR)) == 1

    await wait_until(told, 60, "the round's email to the resident")
    await settle(system)
    [message] = system.rounds_to(NEAR)
    day = spelled_day(datetime.fromisoformat(first["shift_start"]).astimezone(SWEDISH_TIME).date())
    assert message["Subject"] == f"Trygghetsrunda i {HOT_SPOT} den {day}"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"trygghetsrunda i {HOT_SPOT} den {day}: 1 besök." in body
    assert not TIME_OF_DAY.search(message["Subject"] + body), body
    assert len(system.emails_to(OTHER_TOPIC)) == 1, "the confirmation only"
    assert len(system.emails_to(FAR)) == 1, "the confirmation only"

    await work_round(system, second)
    later, earlier = await handled_rounds(system, 2)  # the newest first
    await settle(system)
    assert len(system.rounds_to(NEAR)) == 1, "a place is told of at most once a day"
    # One message per round, for the log and integrators; the resident's only for the first.
    assert (earlier["counts"]["total"], later["counts"]["total"]) == (1, 0)
    assert [len(system.emails_to(a)) for a in (NEAR, OTHER_TOPIC, FAR)] == [2, 1, 1]
