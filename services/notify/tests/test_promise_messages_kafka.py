"""A signed citizens' promise on trygg.patrols.events, through notify's real consumer and
dispatcher, reaches the inbox (a real SMTP server) of a resident who chose the promise, once:
the same record delivered again sends nothing more.

Other tests write to the events topics too: the consumer reads with a group of its own whose
offsets start at the topics' end, in a municipality code no other test uses, and writes to a
database of its own.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import text

from notify_testkit import square
from patrols_rig import Rig, confirmed, consumed_past, nothing_to_send, produce, record, rig_of
from shared.contracts.patrols import PromiseSigned
from shared.testing import TestStack, migrate, recreate_database, wait_until

pytestmark = pytest.mark.kafka
PUBLIC_URL = "https://kommun.example.se/medborgarloften/tryggare-testbyn"
SUBJECT = "Medborgarlöftet Tryggare Testbyn är undertecknat"


@pytest.fixture(scope="module")
async def database(stack: TestStack) -> str:
    url = await recreate_database(stack, "notify_promise_kafka")
    await migrate("notify", url)
    return url


@pytest.fixture
async def rig(stack: TestStack, database: str) -> AsyncIterator[Rig]:
    async with rig_of(stack, database, "notify_promise_") as running:
        yield running


async def subscribed(rig: Rig, address: str) -> None:
    """A resident who chose the promise, confirmed; their place is anywhere in the
    municipality, since the promise is the whole municipality's."""
    body = {
        "email": address,
        "municipality_code": rig.municipality,
        "place": {"kind": "area", "polygon": square(*rig.where, size_km=0.5)},
        "topics": {"promise": "email"},
    }
    await confirmed(rig, body)


def promise_signed(rig: Rig) -> PromiseSigned:
    return PromiseSigned.model_validate(
        {
            "municipality_code": rig.municipality,
            "promise_id": str(uuid.uuid4()),
            "title": "Tryggare Testbyn",
            "parties": ["Testbyns kommun", "Polisen i Testbyn"],
            "period_start": date(2027, 1, 1).isoformat(),
            "period_end": date(2027, 12, 31).isoformat(),
            "public_url": PUBLIC_URL,
            "focus_areas": ["Centrum"],
            "commitments": [
                {
                    "commitment_id": str(uuid.uuid4()),
                    "title": "Trygghetsvandringar",
                    "indicator": "walks_held",
                    "target": 4,
                    "achieved": 0,
                }
            ],
            "signed_at": datetime(2027, 1, 20, 10, tzinfo=UTC).isoformat(),
        }
    )


def promises_to(rig: Rig, address: str) -> list[EmailMessage]:
    return [m for m in rig.emails_to(address) if m["Subject"].startswith("Medborgarlöftet")]


async def test_a_signed_promise_reaches_a_resident_who_chose_it_once(
    rig: Rig, stack: TestStack
) -> None:
    await subscribed(rig, "invanare@example.se")
    signed = record(promise_signed(rig))
    await produce(stack, [signed])

    async def arrived() -> bool:
        return len(promises_to(rig, "invanare@example.se")) == 1

    await wait_until(arrived, 60, "the promise's email")
    [message] = promises_to(rig, "invanare@example.se")
    assert message["Subject"] == SUBJECT
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "Testbyns kommun och Polisen i Testbyn har undertecknat medborgarlöftet Tryggare "
        f"Testbyn för 2027. Läs mer: {PUBLIC_URL}" in body
    )

    # The same record again: a redelivery.
    sent = await produce(stack, [signed])
    await consumed_past(stack, rig, sent)
    await nothing_to_send(rig)
    assert len(promises_to(rig, "invanare@example.se")) == 1
    async with rig.engine.connect() as conn:
        messages = await conn.execute(
            text("SELECT count(*) FROM message WHERE kind = 'promise_signed'")
        )
        assert messages.scalar_one() == 1
