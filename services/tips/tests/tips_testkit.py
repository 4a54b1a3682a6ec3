"""Request bodies, tokens and a small API driver for the tips tests."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.outbox import OutboxMessage
from shared.testing import bearer
from tips.categories import service as categories
from tips.tips.models import Tip

HOME = "0683"  # Värnamo
OTHER = "0662"  # Gislaved
STAFF_SCOPES = ["tips:read", "tips:write", "tips:admin"]
POLICE_SCOPES = [*STAFF_SCOPES, "tips:police"]
FORSHEDA = (13.8262, 57.1661)
BREDARYD = (13.7426, 57.1716)


def token(
    scopes: list[str] | None = None,
    municipalities: list[str] | None = None,
    subject: str = "tester",
) -> dict[str, str]:
    return bearer(
        STAFF_SCOPES if scopes is None else scopes,
        [HOME] if municipalities is None else municipalities,
        subject,
    )


def point(lon: float = FORSHEDA[0], lat: float = FORSHEDA[1]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def tip_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "category": "unsafe_place",
        "description": "Gångtunneln under järnvägen är helt mörk på kvällarna.",
        "location": point(),
        "occurred_at": "2026-11-28T21:30:00+01:00",
        "answers": {"why": ["lighting"], "when_unsafe": "dark"},
    }
    body.update(overrides)
    return body


@dataclass
class Api:
    """Calls the tips API in the test's transaction, and reads what it stored."""

    client: httpx.AsyncClient
    session: AsyncSession

    async def categories(self, municipality: str = HOME) -> None:
        await categories.install_defaults(self.session, municipality)

    async def submit(
        self, municipality: str = HOME, expect: int = 201, **overrides: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/public/{municipality}/tips", json=tip_body(**overrides)
        )
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    async def tip(self, tip_id: str | uuid.UUID) -> Tip | None:
        return await self.session.get(Tip, uuid.UUID(str(tip_id)), populate_existing=True)

    async def outbox(self, event_type: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(col(OutboxMessage.seq))
        if event_type is not None:
            query = query.where(OutboxMessage.type == event_type)
        return list(await self.session.exec(query))


# Fields no tips event may have: what a tipster wrote or how to reach them.
PRIVATE_FIELDS = {"description", "redacted_description", "answers", "contact", "email", "phone"}
PRIVATE_FIELDS |= {"address", "address_id", "public_note", "body", "note", "location"}

LEAK_SOURCES = text(
    """
    SELECT t.id, t.description, t.address, t.public_note, t.answers::text AS answers,
           -- an anonymised tip's point is already its grid square's centre
           CASE WHEN t.anonymised_at IS NULL THEN ST_X(t.location) END AS lon,
           CASE WHEN t.anonymised_at IS NULL THEN ST_Y(t.location) END AS lat,
           c.email, c.phone
    FROM tip t LEFT JOIN tip_contact c ON c.tip_id = t.id
    """
)


async def personal_data_in_events(session: AsyncSession) -> list[str]:
    """Every way the outbox rows visible to the session show what a tip said or where exactly:
    a private field, a tipster's text, address or contact, or a tip's exact point."""
    conn = await session.connection()
    tips = (await conn.execute(LEAK_SOURCES)).all()
    rows = (await conn.execute(text("SELECT type, payload::text AS raw FROM outbox"))).all()
    found: list[str] = []
    for row in rows:
        data = json.loads(row.raw)["data"]
        found += [f"{row.type}: field {k}" for k in _keys(data) if k in PRIVATE_FIELDS]
        for tip in tips:
            secrets = [tip.description, tip.address, tip.public_note, tip.email, tip.phone]
            found += [f"{row.type}: text of tip {tip.id}" for s in secrets if s and s in row.raw]
            if tip.lon is not None and _has_position(data, (tip.lon, tip.lat)):
                found.append(f"{row.type}: the exact point of tip {tip.id}")
    return found


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return list(value) + [k for v in value.values() for k in _keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def _has_position(value: Any, position: tuple[float, float]) -> bool:
    if isinstance(value, dict):
        return any(_has_position(v, position) for v in value.values())
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, float | int) for v in value):
            return abs(value[0] - position[0]) < 1e-9 and abs(value[1] - position[1]) < 1e-9
        return any(_has_position(v, position) for v in value)
    return False
