"""Routes of patrol rounds: planning, the visits' check-ins and check-outs, completion, and the
dosage per hot spot. Everything about a round needs `patrols:plan`; the dosage, which names no
unit, needs `patrols:read`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from patrols.access import BODY_PROBLEMS, CREATED, LISTED, Planner, Reader
from patrols.config import SettingsDep
from patrols.domain import RoundStatus
from patrols.errors import RoundNotFound, RoundStatusConflict, VisitNotFound
from patrols.fields import MunicipalityPath
from patrols.rounds import queries, service, visits
from patrols.rounds.schemas import (
    DosageReport,
    RoundCreate,
    RoundRead,
    RoundSummary,
    VisitRead,
    VisitReport,
)
from shared import idempotency, location
from shared.dates import Day
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import Page, PageDep, page_of
from shared.problems import problem_responses

router = APIRouter(tags=["rounds"])

ON_ROUND = {**LISTED, **problem_responses(RoundNotFound)}
TRANSITION = {**ON_ROUND, **problem_responses(RoundStatusConflict)}
ON_VISIT = {**TRANSITION, **problem_responses(VisitNotFound), **BODY_PROBLEMS}

FromDay = Annotated[
    Day | None, Query(alias="from", description="On or after this day (Swedish time).")
]
ToDay = Annotated[Day | None, Query(alias="to", description="On or before this day.")]


def round_filter(
    from_day: FromDay = None, to_day: ToDay = None, status: RoundStatus | None = None
) -> queries.RoundFilter:
    return queries.RoundFilter(from_day, to_day, status)


@router.post(
    "/municipalities/{municipality}/rounds",
    status_code=201,
    response_model=RoundRead,
    summary="Plan a round",
    responses={**CREATED, **location.CREATED},
)
async def plan_round(
    municipality: MunicipalityPath,
    body: RoundCreate,
    session: SessionDep,
    principal: Planner,
    settings: SettingsDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Plan a unit's shift over designated hot spots: a random order, 10-15 minute stays, each
    spot revisited within the window. Police-only; nothing is published."""
    principal.require_municipality(municipality)

    async def create() -> idempotency.Created:
        planned = await service.plan_round(session, principal, municipality, body, settings.rounds)
        return idempotency.Created(planned, municipality, [planned.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_round", {"round_id": "id"}),
    )


@router.get(
    "/municipalities/{municipality}/rounds",
    response_model=Page[RoundSummary],
    summary="List rounds",
    responses=LISTED,
)
async def list_rounds(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Planner,
    page: PageDep,
    where: Annotated[queries.RoundFilter, Depends(round_filter)],
) -> Page[RoundSummary]:
    """The municipality's rounds, the latest shift first, by the day of their shift."""
    principal.require_municipality(municipality)
    rows, total = await queries.list_rounds(session, municipality, where, page)
    return page_of(rows, page, total)


@router.get(
    "/rounds/{round_id}", response_model=RoundRead, summary="Get a round", responses=ON_ROUND
)
async def get_round(round_id: uuid.UUID, session: SessionDep, principal: Planner) -> RoundRead:
    """One round with its unit, the rules and seed of its plan, and its visits."""
    return await service.show_round(session, principal, round_id)


@router.post(
    "/rounds/{round_id}/visits/{visit_id}/check-in",
    response_model=VisitRead,
    summary="Check in at a visit's hot spot",
    responses=ON_VISIT,
)
async def check_in(
    round_id: uuid.UUID,
    visit_id: uuid.UUID,
    session: SessionDep,
    principal: Planner,
    report: VisitReport | None = None,
) -> VisitRead:
    """The unit is at the hot spot (now, or at `at`); the round is under way from the first."""
    return await visits.check_in(session, principal, round_id, visit_id, report or VisitReport())


@router.post(
    "/rounds/{round_id}/visits/{visit_id}/check-out",
    response_model=VisitRead,
    summary="Check out of a visit's hot spot",
    responses=ON_VISIT,
)
async def check_out(
    round_id: uuid.UUID,
    visit_id: uuid.UUID,
    session: SessionDep,
    principal: Planner,
    report: VisitReport | None = None,
) -> VisitRead:
    """The unit leaves: the real dwell is recorded; observations may become incidents."""
    return await visits.check_out(session, principal, round_id, visit_id, report or VisitReport())


@router.post(
    "/rounds/{round_id}/complete",
    response_model=RoundRead,
    summary="Complete a round",
    responses=TRANSITION,
)
async def complete_round(round_id: uuid.UUID, session: SessionDep, principal: Planner) -> RoundRead:
    """Visits not made are missed; residents hear where the round went (round.completed)."""
    return await service.complete_round(session, principal, round_id)


@router.post(
    "/rounds/{round_id}/cancel",
    response_model=RoundRead,
    summary="Cancel a round",
    responses=TRANSITION,
)
async def cancel_round(round_id: uuid.UUID, session: SessionDep, principal: Planner) -> RoundRead:
    """Call off a round before its first check-in; nothing is published."""
    return await service.cancel_round(session, principal, round_id)


@router.get(
    "/municipalities/{municipality}/dosage",
    response_model=DosageReport,
    summary="Dosage per hot spot",
    responses=LISTED,
)
async def get_dosage(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    from_day: FromDay = None,
    to_day: ToDay = None,
) -> DosageReport:
    """Per hot spot, of completed rounds: visits planned and made, minutes, the share made, the
    mean dwell and the share of dwells within the Koper range. Names no unit."""
    principal.require_municipality(municipality)
    return await queries.dosage(session, municipality, from_day, to_day)
