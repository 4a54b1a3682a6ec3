"""Request bodies, events, tokens, local servers and a scan for personal data, for notify's tests
(and the cross-service test in tests/)."""

import asyncio
import contextlib
import importlib.util
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.consumer import EventMeta
from shared.contracts.walks import ActionPlanPublished
from shared.events import Contract, envelope
from shared.testing import bearer

REPOSITORY = Path(__file__).resolve().parents[3]
HOME = "0683"  # Värnamo
OTHER = "0662"  # Gislaved
FORSHEDA = (13.827, 57.163)
# About 0.0165° of longitude and 0.009° of latitude are a kilometre here.
KM_LON, KM_LAT = 0.0165, 0.009


def token(
    scopes: list[str] | None = None, municipalities: list[str] | None = None
) -> dict[str, str]:
    return bearer(
        ["notify:read", "notify:write"] if scopes is None else scopes,
        [HOME] if municipalities is None else municipalities,
    )


def point(lon: float = FORSHEDA[0], lat: float = FORSHEDA[1]) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(
    lon: float = FORSHEDA[0], lat: float = FORSHEDA[1], size_km: float = 1.0
) -> dict[str, Any]:
    dx, dy = size_km * KM_LON / 2, size_km * KM_LAT / 2
    w, s, e, n = lon - dx, lat - dy, lon + dx, lat + dy
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def world() -> dict[str, Any]:
    """The whole earth, edges 180° long: more than any municipality's safety work covers."""
    return box(-180, -90, 180, 90)


def subscription_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "anna@example.se",
        "language": "sv",
        "municipality_code": HOME,
        "place": {"kind": "point", "center": point(), "radius_m": 200},
        "topics": {"action_plans": "email", "walk_invitations": "email"},
    }
    return {**body, **overrides}


def stakeholder_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "municipality_code": HOME,
        "key": "dept:0683:GATA",
        "name": "Värnamo kommun, gatuavdelningen",
        "kind": "municipal_department",
        "categories": [],
        "area": None,
        "contacts": [
            {"name": "Gatuchefen", "email": "gata@varnamo.example.se", "channel": "email"}
        ],
    }
    return {**body, **overrides}


def walk_facts(**overrides: Any) -> dict[str, Any]:
    """The state a walk.scheduled / walk.rescheduled event carries."""
    facts: dict[str, Any] = {
        "walk_id": str(uuid.uuid4()),
        "municipality_code": HOME,
        "locality": "Forsheda",
        "title": "Trygghetsvandring",
        "area": square(),
        "meeting_point": {"name": "Skolan", "location": point()},
        "starts_at": "2027-10-14T18:30:00+02:00",
        "light_condition": "after_dark",
        "public_url": "https://trygg.example.se/walks/public/walks/1.html",
    }
    return {**facts, **overrides}


def measure(key: str = "dept:0683:GATA", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "measure_id": str(uuid.uuid4()),
        "title": "Byt trasiga armaturer i gångtunneln",
        "description": "Två armaturer byts.",
        "responsible": {"key": key, "name": "Värnamo kommun, gatuavdelningen"},
        "priority": "high",
        "due_date": "2027-12-20",
        "status": "accepted",
        "category": "lighting",
    }
    return {**body, **overrides}


def plan_facts(**overrides: Any) -> dict[str, Any]:
    """The state an action_plan.* event carries."""
    plan_id = overrides.pop("plan_id", str(uuid.uuid4()))
    facts: dict[str, Any] = {
        "plan_id": plan_id,
        "revision": 1,
        "municipality_code": HOME,
        "locality": "Forsheda",
        "title": "Tryggare kvällar i Forsheda",
        "public_summary": "Bättre belysning mellan skolan och stationen.",
        "affected_area": {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]},
        "buffer_m": 100,
        "measures": [measure()],
        "public_url": f"https://trygg.example.se/walks/public/action-plans/{plan_id}.html",
    }
    return {**facts, **overrides}


def published(**overrides: Any) -> ActionPlanPublished:
    return ActionPlanPublished.model_validate(
        {**plan_facts(**overrides), "published_at": datetime.now(UTC)}
    )


def consumed(contract: Contract) -> EventMeta:
    """The metadata the consumer runner hands a handler for this event."""
    event = envelope(contract)
    return EventMeta(
        event.id, event.source, event.type, event.subject, "trygg.walks.events", 0, 0, event
    )


def load_sink(name: str) -> ModuleType:
    """One of the local sinks in deploy/sinks, which is no package."""
    module_name = f"trygg_sink_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(
        module_name, REPOSITORY / "deploy" / "sinks" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


# --- local servers --------------------------------------------------------------------------


class Inbox:
    """An SMTP server's handler that keeps messages and can refuse the first few."""

    def __init__(self) -> None:
        self.messages: list[Envelope] = []
        self.answers: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answers:
            return self.answers.pop(0)
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def smtp_server() -> Any:
    """A real SMTP server (aiosmtpd) on a free port: (port, inbox)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """An ASGI app on a free port of 127.0.0.1 for the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


class Receiver:
    """A webhook receiver that keeps every request it gets."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self._take, methods=["POST"])])

    async def _take(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return Response(status_code=204)


# --- personal data --------------------------------------------------------------------------

TEXT_COLUMNS = text(
    """
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY')
    """
)


async def tables_holding(conn: AsyncConnection, *needles: str) -> list[str]:
    """Every table.column whose values contain any of the strings, anywhere in the database."""
    found = []
    for table, column in (await conn.execute(TEXT_COLUMNS)).all():
        for needle in needles:
            query = f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :needle'
            if (await conn.execute(text(query), {"needle": f"%{needle}%"})).scalar_one():
                found.append(f"{table}.{column}")
    return found
