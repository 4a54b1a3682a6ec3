"""Public routes residents follow from an invitation or a notification: no token, no personal data.

Only what is meant for the public is reachable: walks (they are invitations), published
protocols, and published or withdrawn action plans; drafts do not exist here. Every route is
rate-limited per client.
"""

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import SecretStr

from shared.db import SessionDep
from shared.problems import InvalidInput, TooManyRequests, problem_responses
from shared.ratelimit import rate_limit
from walks.access import BaseUrl
from walks.config import PublicSettings, SettingsDep, app_settings
from walks.errors import PlanNotFound, ProtocolNotFound, WalkNotFound
from walks.protocols.schemas import PublicProtocol
from walks.public import pages, service
from walks.public.follow import follow
from walks.public.schemas import PublicPlan, PublicWalk


def _public(request: Request) -> PublicSettings:
    return app_settings(request).public


def _salt(request: Request) -> SecretStr:
    return _public(request).rate_limit_secret


limit_public = rate_limit(lambda request: _public(request).rate_per_minute, _salt)

router = APIRouter(
    prefix="/public",
    tags=["public"],
    dependencies=[Depends(limit_public)],
    responses=problem_responses(TooManyRequests),
)

# Each `.html` route comes before its JSON twin: `{id}` would otherwise match `id.html`.
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page in Swedish"}
}


@router.get(
    "/walks/{walk_id}.html",
    response_class=HTMLResponse,
    summary="A walk's invitation page",
    responses={**HTML, **problem_responses(WalkNotFound, InvalidInput)},
)
async def public_walk_page(
    walk_id: uuid.UUID, session: SessionDep, base: BaseUrl, settings: SettingsDep
) -> HTMLResponse:
    """The walk as a readable page in Swedish."""
    walk = await service.find_public_walk(session, walk_id, base)
    about = follow(settings, walk.municipality_code, walk.locality)
    return HTMLResponse(pages.walk_page(walk, about))


@router.get(
    "/walks/{walk_id}",
    response_model=PublicWalk,
    summary="A walk, as residents see it",
    responses=problem_responses(WalkNotFound, InvalidInput),
)
async def public_walk(walk_id: uuid.UUID, session: SessionDep, base: BaseUrl) -> PublicWalk:
    """When and where the walk is, and its protocol once published."""
    return await service.find_public_walk(session, walk_id, base)


@router.get(
    "/walks/{walk_id}/protocol.html",
    response_class=HTMLResponse,
    summary="A walk's published protocol as a page",
    responses={**HTML, **problem_responses(ProtocolNotFound, InvalidInput)},
)
async def public_protocol_page(
    walk_id: uuid.UUID, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The public protocol as a readable page in Swedish."""
    protocol = await service.public_protocol(session, walk_id)
    about = follow(settings, protocol.municipality_code, protocol.locality)
    return HTMLResponse(pages.protocol_page(protocol, about))


@router.get(
    "/walks/{walk_id}/protocol",
    response_model=PublicProtocol,
    summary="A walk's published protocol",
    responses=problem_responses(ProtocolNotFound, InvalidInput),
)
async def public_protocol(walk_id: uuid.UUID, session: SessionDep) -> PublicProtocol:
    """The public protocol: the route, counts of participants by role, the observations."""
    return await service.public_protocol(session, walk_id)


@router.get(
    "/action-plans/{plan_id}.html",
    response_class=HTMLResponse,
    summary="A published action plan as a page",
    responses={**HTML, **problem_responses(PlanNotFound, InvalidInput)},
)
async def public_plan_page(
    plan_id: uuid.UUID, session: SessionDep, base: BaseUrl, settings: SettingsDep
) -> HTMLResponse:
    """The plan as a readable page in Swedish."""
    plan = await service.find_public_plan(session, plan_id, base)
    about = follow(settings, plan.municipality_code, plan.locality)
    return HTMLResponse(pages.plan_page(plan, about))


@router.get(
    "/action-plans/{plan_id}",
    response_model=PublicPlan,
    summary="A published action plan",
    responses=problem_responses(PlanNotFound, InvalidInput),
)
async def public_plan(plan_id: uuid.UUID, session: SessionDep, base: BaseUrl) -> PublicPlan:
    """The plan's area, measures and their progress."""
    return await service.find_public_plan(session, plan_id, base)
