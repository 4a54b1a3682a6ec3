"""/livez, /readyz and /metrics for every service API."""

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy import text

from shared.kafka import broker_answers
from shared.metrics import exposition

OLDEST_UNPUBLISHED = text(
    "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) "
    "FROM outbox WHERE published_at IS NULL"
)
# An event older than this still waiting in the outbox means the worker is not progressing.
MAX_OUTBOX_LAG_S = 120.0
BROKER_CHECK_CACHE_S = 5.0


class Liveness(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


TAG = {"name": "operations", "description": "Liveness, readiness and Prometheus metrics."}
router = APIRouter(tags=[TAG["name"]])


@router.get("/livez", summary="The process is alive", response_model=Liveness)
async def livez() -> Liveness:
    """Answers as long as the process serves requests; checks no dependency."""
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="The service can do its work",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is not ready"}},
)
async def readyz(request: Request) -> Any:
    """Ready when the database and Kafka answer and the outbox relay keeps up."""
    checks = {"database": await _database(request), "kafka": await _kafka(request)}
    if checks["database"] == "ok":
        checks["outbox"] = await _outbox(request)
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
async def metrics() -> Response:
    """Metrics in the Prometheus text format."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


async def _database(request: Request) -> str:
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 3)
        return "ok"
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


async def _outbox(request: Request) -> str:
    try:
        async with request.app.state.engine.connect() as conn:
            lag = float((await conn.execute(OLDEST_UNPUBLISHED)).scalar_one())
    except Exception as exc:
        return f"unknown: {type(exc).__name__}"
    return "ok" if lag < MAX_OUTBOX_LAG_S else f"behind: oldest unpublished event {lag:.0f} s old"


async def _kafka(request: Request) -> str:
    state = request.app.state
    cached: tuple[float, str] | None = getattr(state, "kafka_check", None)
    if cached and time.monotonic() - cached[0] < BROKER_CHECK_CACHE_S:
        return cached[1]
    result = "ok" if await broker_answers(state.settings.kafka.bootstrap_servers) else "unreachable"
    state.kafka_check = (time.monotonic(), result)
    return result
