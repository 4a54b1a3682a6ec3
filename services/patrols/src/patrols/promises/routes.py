"""Routes of citizens' promises: staff draft, sign and follow them up (`patrols:write`), read
them (`patrols:read`); residents read a signed promise, its progress and its yearly report
without a token."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from patrols.access import BODY_PROBLEMS, CREATED, LISTED, Reader, Writer
from patrols.config import SettingsDep
from patrols.fields import MunicipalityPath
from patrols.promises import pages, service
from patrols.promises.schemas import (
    CommitmentRead,
    FollowUpCreate,
    FollowUpRead,
    ManualProgress,
    PromiseCreate,
    PromiseRead,
    PromiseSummary,
    PublicPromise,
)
from patrols.promises.service import CommitmentNotFound, PromiseConflict, PromiseNotFound
from patrols.ratelimit import LIMITED
from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import Page, PageDep, page_of
from shared.problems import InvalidInput, TooManyRequests, problem_responses

router = APIRouter(tags=["promises"])
public = APIRouter(prefix="/public", tags=["promises"], dependencies=LIMITED)

ON_PROMISE = {**LISTED, **problem_responses(PromiseNotFound)}
CHANGE = {**ON_PROMISE, **problem_responses(PromiseConflict), **BODY_PROBLEMS}
MANUAL = {**LISTED, **problem_responses(CommitmentNotFound, PromiseConflict), **BODY_PROBLEMS}
PUBLIC = problem_responses(PromiseNotFound, InvalidInput, TooManyRequests)
HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A page in Swedish"}
}
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The figures as CSV"}
}


@router.post(
    "/municipalities/{municipality}/promises",
    status_code=201,
    response_model=PromiseRead,
    summary="Draft a promise",
    responses={**CREATED, **location.CREATED},
)
async def create_promise(
    municipality: MunicipalityPath,
    body: PromiseCreate,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A draft promise with its commitments; nothing is public until it is signed."""
    principal.require_municipality(municipality)

    async def create() -> idempotency.Created:
        made = await service.create_promise(
            session, principal, municipality, body, settings.public_base_url
        )
        return idempotency.Created(made, municipality, [made.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_promise", {"promise_id": "id"}),
    )


@router.get(
    "/municipalities/{municipality}/promises",
    response_model=Page[PromiseSummary],
    summary="List promises",
    responses=LISTED,
)
async def list_promises(
    municipality: MunicipalityPath, session: SessionDep, principal: Reader, page: PageDep
) -> Page[PromiseSummary]:
    """The municipality's promises, the latest period first."""
    principal.require_municipality(municipality)
    rows, total = await service.list_promises(session, municipality, page)
    return page_of(
        [PromiseSummary.model_validate(r, from_attributes=True) for r in rows], page, total
    )


@router.get(
    "/promises/{promise_id}",
    response_model=PromiseRead,
    summary="Get a promise",
    responses=ON_PROMISE,
)
async def get_promise(
    promise_id: uuid.UUID, session: SessionDep, principal: Reader, settings: SettingsDep
) -> PromiseRead:
    """The promise, each commitment's progress and the latest activities."""
    return await service.show_promise(session, principal, promise_id, settings.public_base_url)


@router.put(
    "/promises/{promise_id}",
    response_model=PromiseRead,
    summary="Replace a draft",
    responses=CHANGE,
)
async def replace_draft(
    promise_id: uuid.UUID,
    body: PromiseCreate,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
) -> PromiseRead:
    """A draft is replaced whole; a signed promise cannot change (409)."""
    return await service.replace_draft(
        session, principal, promise_id, body, settings.public_base_url
    )


@router.post(
    "/promises/{promise_id}/sign",
    response_model=PromiseRead,
    summary="Sign a promise",
    responses=CHANGE,
)
async def sign_promise(
    promise_id: uuid.UUID, session: SessionDep, principal: Writer, settings: SettingsDep
) -> PromiseRead:
    """The promise is public from now on, its commitments fixed (promise.signed)."""
    return await service.sign_promise(session, principal, promise_id, settings.public_base_url)


@router.post(
    "/promises/{promise_id}/follow-ups",
    status_code=201,
    response_model=FollowUpRead,
    summary="Follow up a promise",
    responses={**CHANGE, **location.CREATED},
)
async def follow_up_promise(
    promise_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    request: Request,
    response: Response,
    body: FollowUpCreate | None = None,
) -> FollowUpRead:
    """Each commitment's figure now, kept and published (promise.followed_up)."""
    made = await service.follow_up(
        session, principal, promise_id, body or FollowUpCreate(), settings.public_base_url
    )
    # A follow-up is read with its promise.
    location.set_location(response, request, "get_promise", promise_id=promise_id)
    return made


@router.post(
    "/commitments/{commitment_id}/manual",
    status_code=201,
    response_model=CommitmentRead,
    summary="Record manual progress",
    responses={**MANUAL, **location.CREATED},
)
async def record_manual_progress(
    commitment_id: uuid.UUID,
    body: ManualProgress,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> CommitmentRead:
    """An amount with its evidence, for a manual commitment only: others count events (409)."""
    recorded = await service.record_manual(session, principal, commitment_id, body)
    # The progress is read with the commitment's promise.
    location.set_location(response, request, "get_promise", promise_id=recorded.promise_id)
    return recorded


# Each `.html` route comes before its JSON twin: `{id}` would otherwise match `id.html`.
@public.get(
    "/promises/{promise_id}.html",
    response_class=HTMLResponse,
    summary="A promise's public page",
    responses={**HTML, **PUBLIC},
)
async def public_promise_page(promise_id: uuid.UUID, session: SessionDep) -> HTMLResponse:
    """The signed promise and its progress, as a page in Swedish."""
    return HTMLResponse(pages.promise_page(await service.public_promise(session, promise_id)))


@public.get(
    "/promises/{promise_id}",
    response_model=PublicPromise,
    summary="A promise, as residents see it",
    responses=PUBLIC,
)
async def public_promise(promise_id: uuid.UUID, session: SessionDep) -> PublicPromise:
    """The signed promise: each commitment's progress and the latest ten activities."""
    return await service.public_promise(session, promise_id)


@public.get(
    "/promises/{promise_id}/report/{year}.html",
    response_class=HTMLResponse,
    summary="A promise's yearly follow-up",
    responses={**HTML, **PUBLIC},
)
async def public_report_page(promise_id: uuid.UUID, year: int, session: SessionDep) -> HTMLResponse:
    """Per commitment, the figure of each quarter and of the year, and the follow-ups."""
    report = await service.year_report(session, promise_id, service.check_year(year))
    return HTMLResponse(pages.report_page(report))


@public.get(
    "/promises/{promise_id}/report/{year}.csv",
    response_class=Response,
    summary="A promise's yearly figures as CSV",
    responses={**CSV, **PUBLIC},
)
async def public_report_csv(promise_id: uuid.UUID, year: int, session: SessionDep) -> Response:
    """The yearly figures, one row per commitment."""
    report = await service.year_report(session, promise_id, service.check_year(year))
    return Response(pages.report_csv(report), media_type="text/csv; charset=utf-8")
