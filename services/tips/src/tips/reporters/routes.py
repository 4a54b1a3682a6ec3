"""Routes of designated reporters (rapportörer): registered by administrators."""

import uuid

from fastapi import APIRouter, Request, Response

from shared import location
from shared.auth import AUTH_PROBLEMS
from shared.db import SessionDep
from shared.problems import InvalidInput, problem_responses
from tips.access import BODY_PROBLEMS, LISTED, Admin
from tips.errors import ReporterNotFound
from tips.fields import MunicipalityPath
from tips.reporters import service as reporters
from tips.reporters.schemas import ReporterCreate, ReporterRead

router = APIRouter(tags=["reporters"])

REGISTER = {**AUTH_PROBLEMS, **problem_responses(InvalidInput), **BODY_PROBLEMS}


@router.post(
    "/municipalities/{municipality}/reporters",
    status_code=201,
    response_model=ReporterRead,
    summary="Register a designated reporter",
    responses={**REGISTER, **location.CREATED},
)
async def register_reporter(
    municipality: MunicipalityPath,
    body: ReporterCreate,
    session: SessionDep,
    principal: Admin,
    request: Request,
    response: Response,
) -> ReporterRead:
    """Lets the token subject report for the organisation; registering again updates it."""
    principal.require_municipality(municipality)
    reporter = await reporters.register(session, municipality, body, principal.subject)
    # A reporter has no page of its own: its address is the one its retirement is sent to.
    location.set_location(response, request, "retire_reporter", reporter_id=reporter.id)
    return ReporterRead.model_validate(reporter, from_attributes=True)


@router.get(
    "/municipalities/{municipality}/reporters",
    response_model=list[ReporterRead],
    summary="List designated reporters",
    responses=LISTED,
)
async def list_reporters(
    municipality: MunicipalityPath, session: SessionDep, principal: Admin
) -> list[ReporterRead]:
    """The municipality's reporters, retired ones too."""
    principal.require_municipality(municipality)
    rows = await reporters.list_reporters(session, municipality)
    return [ReporterRead.model_validate(r, from_attributes=True) for r in rows]


@router.delete(
    "/reporters/{reporter_id}",
    response_model=ReporterRead,
    summary="Retire a designated reporter",
    responses={**LISTED, **problem_responses(ReporterNotFound)},
)
async def retire_reporter(
    reporter_id: uuid.UUID, session: SessionDep, principal: Admin
) -> ReporterRead:
    """The reporter can no longer submit; what they reported stays theirs."""
    reporter = await reporters.retire(session, principal, reporter_id)
    return ReporterRead.model_validate(reporter, from_attributes=True)
