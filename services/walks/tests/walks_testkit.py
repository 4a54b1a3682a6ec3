"""Request bodies, tokens and a small API driver for the walks tests."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.outbox import OutboxMessage
from shared.testing import bearer
from walks.config import PublicContact

HOME = "0683"  # Värnamo
OTHER = "0662"  # Gislaved
ALL_SCOPES = ["walks:read", "walks:write", "walks:publish", "walks:admin"]
FORSHEDA = (13.827, 57.163)
# The tests' settings give only HOME a contact: another municipality's pages must not borrow it.
HOME_CONTACT = PublicContact(
    name="Trygghetssamordnaren, Värnamo kommun",
    email="trygghet@varnamo.example.se",
    phone="0370-37 70 00",
)
NOTIFY = "https://trygg.example.se/notify"


def token(
    scopes: list[str] | None = None,
    municipalities: list[str] | None = None,
    subject: str = "tester",
) -> dict[str, str]:
    return bearer(
        ALL_SCOPES if scopes is None else scopes,
        [HOME] if municipalities is None else municipalities,
        subject,
    )


def square(
    lon: float = FORSHEDA[0], lat: float = FORSHEDA[1], size: float = 0.01
) -> dict[str, Any]:
    w, s, e, n = lon - size / 2, lat - size / 2, lon + size / 2, lat + size / 2
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def world() -> dict[str, Any]:
    """The whole earth, edges 180° long: more than any municipality's safety work covers."""
    ring = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    return {"type": "Polygon", "coordinates": [ring]}


def bowtie(lon: float = FORSHEDA[0], lat: float = FORSHEDA[1]) -> dict[str, Any]:
    """A ring that crosses itself."""
    d = 0.005
    ring = [[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def point(lon: float = FORSHEDA[0], lat: float = FORSHEDA[1]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def walk_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality_code": HOME,
        "locality": "Forsheda",
        "title": "Trygghetsvandring i Forsheda",
        "public_description": "Vi går från skolan till stationen.",
        "area": square(),
        "route": {"type": "LineString", "coordinates": [[13.825, 57.162], [13.829, 57.164]]},
        "stops": [{"name": "Stationen", "location": point(13.829, 57.164)}],
        "meeting_point": {"name": "Skolans entré", "location": point(13.825, 57.162)},
        "starts_at": "2026-10-14T18:30:00+02:00",
        "light_condition": "after_dark",
        "pre_meeting_date": "2026-09-30",
        "closing_meeting_date": "2026-10-28",
    }
    return {**body, **overrides}


def observation_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": point(13.826, 57.1625),
        "category": "lighting",
        "sentiment": "negative",
        "severity": "high",
        "description": "Gångtunneln är mörk.",
        "light": "dark",
        "perspectives": ["women", "elderly"],
        "photos": [{"url": "https://bilder.example.se/tunnel.jpg"}],
    }
    return {**body, **overrides}


def measure_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Byt armaturer i gångtunneln",
        "description": "Två nya armaturer.",
        "responsible": {"name": "Värnamo kommun, gatuavdelningen", "department_code": "GATA"},
        "priority": "high",
        "due_date": "2027-12-20",
        "category": "lighting",
    }
    return {**body, **overrides}


def plan_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality_code": HOME,
        "locality": "Forsheda",
        "title": "Tryggare kvällar i Forsheda",
        "public_summary": "Bättre belysning mellan skolan och stationen.",
        "affected_area": square(),
        "buffer_m": 200,
        "measures": [measure_body()],
    }
    return {**body, **overrides}


def unique_locality() -> str:
    """A locality no other test (or earlier run) uses, so list assertions see only their own."""
    return f"Ort {uuid.uuid4().hex[:8]}"


def pointers(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["pointer"] for e in response.json()["errors"]]


def parameters(response: httpx.Response) -> list[dict[str, str]]:
    """The parameters a 422 names: `{"in": "query", "name": "limit"}`."""
    assert response.status_code == 422, response.text
    return [e["parameter"] for e in response.json()["errors"]]


@dataclass
class Api:
    """Drives the API as an authorised official of HOME, asserting each step succeeded."""

    client: httpx.AsyncClient
    session: AsyncSession

    async def post(self, url: str, body: Any, status: int = 200, **kw: Any) -> Any:
        response = await self.client.post(url, json=body, headers=kw.pop("headers", token()), **kw)
        assert response.status_code == status, response.text
        return response.json()

    async def walk(self, **overrides: Any) -> dict[str, Any]:
        return await self.post("/walks", walk_body(**overrides), 201)  # type: ignore[no-any-return]

    async def conducted_walk(self, observations: int = 1, **overrides: Any) -> dict[str, Any]:
        walk = await self.walk(**overrides)
        for _ in range(observations):
            await self.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        await self.post(f"/walks/{walk['id']}/conduct", {"conducted_at": "2026-10-14T20:00:00Z"})
        return walk

    async def published_walk(self, **overrides: Any) -> dict[str, Any]:
        walk = await self.conducted_walk(**overrides)
        await self.post(f"/walks/{walk['id']}/protocol/publish", {"summary": "Mörkt i tunneln."})
        return walk

    async def plan(self, **overrides: Any) -> dict[str, Any]:
        return await self.post("/action-plans", plan_body(**overrides), 201)  # type: ignore[no-any-return]

    async def published_plan(self, **overrides: Any) -> dict[str, Any]:
        plan = await self.plan(**overrides)
        return await self.post(f"/action-plans/{plan['id']}/publish", None)  # type: ignore[no-any-return]

    async def events(
        self, aggregate_id: str, type_suffix: str | None = None
    ) -> list[OutboxMessage]:
        """The outbox rows of an aggregate, oldest first, optionally of one event type."""
        statement = (
            select(OutboxMessage)
            .where(OutboxMessage.aggregateid == aggregate_id)
            .order_by(col(OutboxMessage.seq))
        )
        rows = list((await self.session.exec(statement)).all())
        if type_suffix is not None:
            rows = [r for r in rows if r.type.endswith(type_suffix)]
        return rows
