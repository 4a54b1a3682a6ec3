"""Routes of action plans and their measures."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, next_offset
from shared.problems import problem_responses
from walks.access import (
    BODY_PROBLEMS,
    CREATED,
    LISTED,
    BaseUrl,
    Publisher,
    Reader,
    Writer,
)
from walks.domain import PlanStatus
from walks.errors import (
    PlanNotFound,
    PlanStatusConflict,
    WalkNotFound,
    WalkStatusConflict,
)
from walks.fields import BBoxFilter, Day, Locality, Municipality, geometry
from walks.plans import queries
from walks.plans import service as plans
from walks.plans.models import ActionPlan
from walks.plans.schemas import (
    PlanAreaCollection,
    PlanAreaFeature,
    PlanAreaProperties,
    PlanChange,
    PlanCreate,
    PlanFromWalkCreate,
    PlanPage,
    PlanRead,
    PlanRevise,
    PlanWithdraw,
    plan_read,
    plan_summaries_json,
)

router = APIRouter(tags=["action plans"])
PLAN = Locator("get_plan", {"plan_id": "id"})

ON_PLAN = {**LISTED, **problem_responses(PlanNotFound, PlanStatusConflict)}
CHANGE = {**ON_PLAN, **BODY_PROBLEMS}


async def plan_filter(
    municipality: Municipality = None,
    locality: Locality = None,
    status: PlanStatus | None = None,
    walk_id: uuid.UUID | None = None,
    date_from: Annotated[Day | None, Query(description="Created on or after this day.")] = None,
    date_to: Annotated[Day | None, Query(description="Created on or before this day.")] = None,
    bbox: BBoxFilter = None,
) -> queries.PlanFilter:
    return queries.PlanFilter(municipality, locality, status, walk_id, date_from, date_to, bbox)


PlanWhere = Annotated[queries.PlanFilter, Depends(plan_filter)]


async def _read(session: AsyncSession, plan: ActionPlan, base: str) -> PlanRead:
    return plan_read(plan, await plans.measures_of(session, plan.id), base)


def _created(drafted: plans.Drafted, base: str) -> idempotency.Created:
    plan, measures = drafted
    held = [plan.id, *(m.id for m in measures)]
    return idempotency.Created(plan_read(plan, measures, base), plan.municipality_code, held)


@router.post(
    "/action-plans",
    status_code=201,
    response_model=PlanRead,
    summary="Draft a standalone action plan",
    responses={**CREATED, **location.CREATED},
)
async def create_plan(
    body: PlanCreate,
    session: SessionDep,
    principal: Writer,
    base: BaseUrl,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Draft a plan from the situational picture rather than a walk."""

    async def create() -> idempotency.Created:
        return _created(await plans.create_plan(session, principal, body), base)

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=PLAN,
    )


@router.post(
    "/walks/{walk_id}/action-plans",
    status_code=201,
    response_model=PlanRead,
    summary="Draft an action plan from a walk",
    responses={
        **CREATED,
        **problem_responses(WalkNotFound, WalkStatusConflict),
        **location.CREATED,
    },
)
async def create_plan_from_walk(
    walk_id: uuid.UUID,
    body: PlanFromWalkCreate,
    session: SessionDep,
    principal: Writer,
    base: BaseUrl,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Draft a plan answering a conducted walk; its area defaults to the walk's."""

    async def create() -> idempotency.Created:
        drafted = await plans.create_plan_from_walk(session, principal, walk_id, body)
        return _created(drafted, base)

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=PLAN,
    )


@router.get("/action-plans", response_model=PlanPage, summary="List action plans", responses=LISTED)
async def list_plans(
    session: SessionDep, principal: Reader, base: BaseUrl, page: PageDep, where: PlanWhere
) -> Response:
    """Plans in the token's municipalities, newest first, filtered and paginated."""
    rows, total = await queries.plan_summaries(session, principal, where, page)
    # Written as PlanPage, which documents it; FastAPI would validate every row again.
    return Response(plan_summaries_json(rows, page, total, base), media_type="application/json")


@router.get(
    "/action-plan-areas",
    response_model=PlanAreaCollection,
    summary="Action plans' areas as GeoJSON",
    responses=LISTED,
)
async def list_plan_areas(
    session: SessionDep, principal: Reader, page: PageDep, where: PlanWhere
) -> PlanAreaCollection:
    """The affected areas of plans as a GeoJSON FeatureCollection, for a map."""
    rows, total = await queries.list_plans(session, principal, where, page)
    features = [
        PlanAreaFeature(
            id=str(p.id),
            geometry=geometry(p.affected_area),
            properties=PlanAreaProperties.model_validate(p.model_dump()),
        )
        for p in rows
    ]
    return PlanAreaCollection(
        features=features,
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=next_offset(page, total),
    )


@router.get(
    "/action-plans/{plan_id}",
    response_model=PlanRead,
    summary="Get an action plan",
    responses=ON_PLAN,
)
async def get_plan(
    plan_id: uuid.UUID, session: SessionDep, principal: Reader, base: BaseUrl
) -> PlanRead:
    """One plan with its area, measures and progress."""
    return await _read(session, await plans.get_plan(session, principal, plan_id), base)


@router.patch(
    "/action-plans/{plan_id}",
    response_model=PlanRead,
    summary="Change an action plan",
    responses=CHANGE,
)
async def change_plan(
    plan_id: uuid.UUID, body: PlanChange, session: SessionDep, principal: Writer, base: BaseUrl
) -> PlanRead:
    """Change a draft or published plan; revise a published one to tell those affected."""
    return await _read(session, await plans.change_plan(session, principal, plan_id, body), base)


@router.delete(
    "/action-plans/{plan_id}", status_code=204, summary="Delete a draft plan", responses=ON_PLAN
)
async def delete_plan(plan_id: uuid.UUID, session: SessionDep, principal: Writer) -> Response:
    """Delete a plan that was never published."""
    await plans.delete_plan(session, principal, plan_id)
    return Response(status_code=204)


@router.post(
    "/action-plans/{plan_id}/publish",
    response_model=PlanRead,
    summary="Publish an action plan",
    responses=ON_PLAN,
)
async def publish_plan(
    plan_id: uuid.UUID, session: SessionDep, principal: Publisher, base: BaseUrl
) -> PlanRead:
    """Publish a draft; emits action_plan.published, which tells those affected."""
    return await plans.publish_plan(session, principal, plan_id, base)


@router.post(
    "/action-plans/{plan_id}/revise",
    response_model=PlanRead,
    summary="Publish a revision of an action plan",
    responses=CHANGE,
)
async def revise_plan(
    plan_id: uuid.UUID, body: PlanRevise, session: SessionDep, principal: Publisher, base: BaseUrl
) -> PlanRead:
    """Publish the plan's changes as a new revision (none: 409); emits action_plan.revised."""
    return await plans.revise_plan(session, principal, plan_id, body, base)


@router.post(
    "/action-plans/{plan_id}/withdraw",
    response_model=PlanRead,
    summary="Withdraw an action plan",
    responses=CHANGE,
)
async def withdraw_plan(
    plan_id: uuid.UUID,
    body: PlanWithdraw,
    session: SessionDep,
    principal: Publisher,
    base: BaseUrl,
) -> PlanRead:
    """Withdraw a published plan with a public reason; emits action_plan.withdrawn."""
    return await plans.withdraw_plan(session, principal, plan_id, body, base)
