"""Request bodies, tokens and a small API driver for the tips tests."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
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
