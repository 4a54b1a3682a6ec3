"""Routes that take tips in: from residents (no token) and from designated reporters."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared import location
from shared.auth import AUTH_PROBLEMS
from shared.db import SessionDep
from shared.problems import InvalidInput, TooManyRequests, problem_responses
from tips.access import BODY_PROBLEMS, Reporting
from tips.domain import Source
from tips.errors import CategoryNotFound, EmergencyDivert, NotAReporter, TipIdTaken
from tips.fields import MunicipalityPath
from tips.ratelimit import ReadRateLimited, SubmissionRateLimited
from tips.reporters import service as reporters
from tips.tips import service as intake
from tips.tips.schemas import TipReceipt, TipSubmit

router = APIRouter(tags=["intake"])

SUBMIT = {
    **problem_responses(InvalidInput, EmergencyDivert, CategoryNotFound, TipIdTaken),
    **BODY_PROBLEMS,
    200: {"description": "The same tip was sent before with this id: nothing new was stored."},
}
PUBLIC_SUBMIT = {**SUBMIT, **problem_responses(TooManyRequests)}
REPORTER_SUBMIT = {**SUBMIT, **AUTH_PROBLEMS, **problem_responses(NotAReporter)}


def _answer(request: Request, submitted: intake.Submitted, language: str) -> JSONResponse:
    tip = submitted.tip
    receipt = TipReceipt(
        id=tip.id,
        status="received",
        received_at=tip.created_at,
        acknowledgement=submitted.acknowledged,
        message=intake.receipt_message(language),
    )
    headers = {location.HEADER: location.path_of(request, "get_tip", tip_id=tip.id)}
    status = 201 if submitted.created else 200
    return JSONResponse(receipt.model_dump(mode="json"), status_code=status, headers=headers)


@router.get(
    "/public/consent",
    response_model=dict[str, str],
    summary="Read the consent text for leaving a contact",
    responses=problem_responses(TooManyRequests),
)
async def get_consent_text(_: ReadRateLimited) -> dict[str, str]:
    """What a tipster agrees to by leaving an email address or phone number, per language."""
    return intake.CONSENT_TEXT


@router.post(
    "/public/{municipality}/tips",
    status_code=201,
    response_model=TipReceipt,
    summary="Send a tip (residents, no token)",
    responses={**PUBLIC_SUBMIT, **location.CREATED},
)
async def submit_public_tip(
    municipality: MunicipalityPath,
    body: TipSubmit,
    session: SessionDep,
    _: SubmissionRateLimited,
    request: Request,
) -> JSONResponse:
    """A resident's tip, anonymous unless they leave a contact to hear back.

    Nothing about the sender is stored: no IP address, no user agent. A tip the answers say is
    urgent is not stored; the problem says which number to call.
    """
    origin = intake.Origin(Source.PUBLIC)
    submitted = await intake.submit_tip(session, municipality, body, origin)
    return _answer(request, submitted, body.language)


@router.post(
    "/municipalities/{municipality}/tips",
    status_code=201,
    response_model=TipReceipt,
    summary="Send a report (designated reporters)",
    responses={**REPORTER_SUBMIT, **location.CREATED},
)
async def submit_reporter_tip(
    municipality: MunicipalityPath,
    body: TipSubmit,
    session: SessionDep,
    principal: Reporting,
    request: Request,
) -> JSONResponse:
    """A designated reporter's report, carrying their organisation."""
    reporter = await reporters.caller(session, principal, municipality)
    origin = intake.Origin(
        Source.REPORTER,
        reporter_id=reporter.id,
        organisation_key=reporter.organisation_key,
        organisation_name=reporter.organisation_name,
        reporter_kind=reporter.kind,
    )
    submitted = await intake.submit_tip(session, municipality, body, origin)
    return _answer(request, submitted, body.language)
