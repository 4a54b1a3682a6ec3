"""Tokens, places and a small API driver for the patrols tests."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.outbox import OutboxMessage
from shared.testing import bearer

HOME = "0683"  # Värnamo
OTHER = "0662"  # Gislaved
STAFF_SCOPES = ["patrols:read", "patrols:write"]
POLICE_SCOPES = [*STAFF_SCOPES, "patrols:plan"]
FORSHEDA = (13.8262, 57.1661)
BREDARYD = (13.7426, 57.1716)


def token(
    scopes: list[str] | None = None,
    municipalities: list[str] | None = None,
    subject: str = "tester",
) -> dict[str, str]:
    return bearer(
        POLICE_SCOPES if scopes is None else scopes,
        [HOME] if municipalities is None else municipalities,
        subject,
    )


def point(lon: float = FORSHEDA[0], lat: float = FORSHEDA[1]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@dataclass
class Api:
    """Calls the patrols API in the test's transaction, and reads what it stored."""

    client: httpx.AsyncClient
    session: AsyncSession

    async def outbox(self, event_type: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(col(OutboxMessage.seq))
        if event_type is not None:
            query = query.where(OutboxMessage.type == event_type)
        return list(await self.session.exec(query))

    async def post(self, path: str, body: Any, expect: int = 201, **headers: str) -> Any:
        response = await self.client.post(path, json=body, headers=token() | headers)
        assert response.status_code == expect, response.text
        return response.json()

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())
