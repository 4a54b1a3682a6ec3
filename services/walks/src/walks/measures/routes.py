"""Routes of measures: added to plans, changed, moved through their statuses, listed."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from shared.problems import problem_responses
from walks.access import BODY_PROBLEMS, LISTED, BaseUrl, Reader, Writer
from walks.domain import MeasureStatus
from walks.errors import (
    MeasureNotFound,
    MeasureTransitionNotAllowed,
    PlanNotFound,
    PlanStatusConflict,
)
from walks.fields import Municipality
from walks.measures import service as measures
from walks.measures.schemas import (
    MeasureChange,
    MeasureCreate,
    MeasurePage,
    MeasureRead,
    MeasureStatusChange,
    measure_read,
)

router = APIRouter(tags=["action plans"])
# A measure has no page of its own: its address is the one its changes are sent to.
MEASURE = Locator("change_measure", {"measure_id": "id"}, kept=("plan_id",))

ON_PLAN = {**LISTED, **BODY_PROBLEMS, **problem_responses(PlanNotFound, PlanStatusConflict)}
# Either the plan or the measure may be missing: both answer 404.
ON_MEASURE = {**ON_PLAN, **problem_responses(MeasureNotFound)}


@router.post(
    "/action-plans/{plan_id}/measures",
    status_code=201,
    response_model=MeasureRead,
    summary="Add a measure",
    responses={**ON_PLAN, **location.CREATED},
)
async def add_measure(
    plan_id: uuid.UUID,
    body: MeasureCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a measure with its responsible organisation, priority and deadline."""

    async def create() -> idempotency.Created:
        measure, plan = await measures.add_measure(session, principal, plan_id, body)
        held = [measure.id, plan.id]
        return idempotency.Created(measure_read(measure), plan.municipality_code, held)

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=MEASURE,
    )


@router.patch(
    "/action-plans/{plan_id}/measures/{measure_id}",
    response_model=MeasureRead,
    summary="Change a measure",
    responses=ON_MEASURE,
)
async def change_measure(
    plan_id: uuid.UUID,
    measure_id: uuid.UUID,
    body: MeasureChange,
    session: SessionDep,
    principal: Writer,
) -> MeasureRead:
    """Change what a measure is, who answers for it, or its deadline."""
    measure = await measures.change_measure(session, principal, plan_id, measure_id, body)
    return measure_read(measure)


@router.post(
    "/action-plans/{plan_id}/measures/{measure_id}/status",
    response_model=MeasureRead,
    summary="Move a measure to its next status",
    responses={**ON_MEASURE, **problem_responses(MeasureTransitionNotAllowed)},
)
async def change_measure_status(
    plan_id: uuid.UUID,
    measure_id: uuid.UUID,
    body: MeasureStatusChange,
    session: SessionDep,
    principal: Writer,
    base: BaseUrl,
) -> MeasureRead:
    """Accept, start, finish or reject a measure; emits measure.status_changed once public."""
    measure = await measures.change_status(session, principal, plan_id, measure_id, body, base)
    return measure_read(measure)


@router.get("/measures", response_model=MeasurePage, summary="List measures", responses=LISTED)
async def list_measures(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    municipality: Municipality = None,
    plan_id: uuid.UUID | None = None,
    status: MeasureStatus | None = None,
    responsible: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^(org|dept):[^\x00]+$", examples=["dept:0683:GATA"]),
    ] = None,
    overdue: Annotated[bool, Query(description="Only open measures past their deadline.")] = False,
) -> MeasurePage:
    """Measures of current plans, soonest deadline first; `overdue=true` lists the late ones."""
    where = measures.MeasureFilter(municipality, plan_id, status, responsible, overdue)
    rows, total = await measures.list_measures(session, principal, where, page)
    return page_of([measure_read(m) for m in rows], page, total)
