"""A completed patrol round on trygg.patrols.events, through notify's real consumer and
dispatcher, reaches a subscribed resident's inbox (a real SMTP server) once: the record
delivered again, and a second round that day at the same hot spot, send nothing more.

Other tests write to the events topics too: the consumer reads with a group of its own whose
offsets start at the topics' end, in a municipality code no other test uses, and writes to a
database of its own.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import text

from notify_testkit import square
from patrols_rig import Rig, confirmed, consumed_past, nothing_to_send, produce, record, rig_of
from shared.contracts.patrols import RoundCompleted
from shared.testing import TestStack, migrate, recreate_database, wait_until

pytestmark = pytest.mark.kafka
SUBJECT = "Trygghetsrunda i Testbyn den 3 december 2026"


@pytest.fixture(scope="module")
async def database(stack: TestStack) -> str:
    url = await recreate_database(stack, "notify_rounds_kafka")
    await migrate("notify", url)
    return url


@pytest.fixture
async def rig(stack: TestStack, database: str) -> AsyncIterator[Rig]:
    async with rig_of(stack, database, "notify_rounds_") as running:
        yield running


async def subscribed(rig: Rig, address: str) -> None:
    """A resident near the hot spot who chose patrol rounds, confirmed."""
    body = {
        "email": address,
        "municipality_code": rig.municipality,
        "place": {
            "kind": "point",
            "center": {"type": "Point", "coordinates": list(rig.where)},
            "radius_m": 300,
        },
        "topics": {"patrol_feedback": "email"},
    }
    await confirmed(rig, body)


def round_at(rig: Rig, hot_spot_id: uuid.UUID) -> RoundCompleted:
    places = [
        {
            "hot_spot_id": str(hot_spot_id),
            "name": "Torget",
            "locality": "Testbyn",
            "area": square(*rig.where, size_km=0.25),
            "visits": 2,
            "minutes": 25,
        }
    ]
    facts: dict[str, Any] = {
        "municipality_code": rig.municipality,
        "round_id": str(uuid.uuid4()),
        "day": date(2026, 12, 3).isoformat(),
        "places": places,
        "visits": 2,
        "minutes": 25,
    }
    return RoundCompleted.model_validate(facts)


def rounds_to(rig: Rig, address: str) -> list[EmailMessage]:
    return [m for m in rig.emails_to(address) if m["Subject"].startswith("Trygghetsrunda")]


async def test_a_completed_round_reaches_a_subscribed_resident_once(
    rig: Rig, stack: TestStack
) -> None:
    await subscribed(rig, "granne@example.se")
    hot_spot = uuid.uuid4()
    first = record(round_at(rig, hot_spot))
    await produce(stack, [first])

    async def arrived() -> bool:
        return len(rounds_to(rig, "granne@example.se")) == 1

    await wait_until(arrived, 60, "the round's email")
    [message] = rounds_to(rig, "granne@example.se")
    assert message["Subject"] == SUBJECT
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "trygghetsrunda i Testbyn den 3 december 2026: 2 besök." in body

    # The same record again (a redelivery), and another round that day at the same place.
    sent = await produce(stack, [first, record(round_at(rig, hot_spot))])
    await consumed_past(stack, rig, sent)
    await nothing_to_send(rig)
    assert len(rounds_to(rig, "granne@example.se")) == 1
    async with rig.engine.connect() as conn:
        messages = await conn.execute(
            text(
                "SELECT told_data IS NOT NULL FROM message WHERE kind = 'round_completed' "
                "ORDER BY created_at"
            )
        )
        # One message per round (the log, and integrators); residents' text for the first.
        assert list(messages.scalars()) == [True, False]
