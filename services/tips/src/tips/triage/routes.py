"""Routes of staff's work on tips: reading, triage, forwarding, closing, notes, suggested
duplicates, moderation and the audit log."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from shared import geo, idempotency, location
from shared.dates import Day
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, next_offset
from shared.problems import problem_responses
from tips.access import BODY_PROBLEMS, LISTED, Reader, Writer
from tips.domain import CATEGORY_CODE, Source, Status
from tips.errors import RestrictedTip, TipNotFound, TipStatusConflict
from tips.fields import NO_NUL
from tips.triage import queries
from tips.triage import service as triage
from tips.triage.schemas import (
    ASSIGNEE,
    AuditPage,
    CloseCommand,
    DuplicateCollection,
    ForwardCommand,
    ModerationCommand,
    ModerationResult,
    NoteCreate,
    NotePage,
    NoteRead,
    TipCollection,
    TipDetail,
    TipFeature,
    TriageCommand,
)

router = APIRouter(tags=["triage"])
# A note has no address of its own: the list of the tip's notes holds it.
NOTES = Locator("list_notes", kept=("tip_id",))

# 404: no such tip in the token's municipalities; 403: restricted, and the token lacks tips:police.
ON_TIP = {**LISTED, **problem_responses(TipNotFound, RestrictedTip)}
TRANSITION = {**ON_TIP, **problem_responses(TipStatusConflict), **BODY_PROBLEMS}
WRITE_ON_TIP = {**ON_TIP, **BODY_PROBLEMS}


def tip_filter(
    municipality: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{4}$", description="A municipality code the token covers."),
    ] = None,
    status: Status | None = None,
    category: Annotated[str | None, Query(pattern=CATEGORY_CODE)] = None,
    source: Source | None = None,
    locality: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    created_from: Annotated[
        Day | None, Query(description="Received on or after this day (Swedish time).")
    ] = None,
    created_to: Annotated[
        Day | None, Query(description="Received on or before this day (Swedish time).")
    ] = None,
    bbox: Annotated[geo.BBox | None, Depends(geo.bbox_param)] = None,
    assigned_to: Annotated[str | None, Query(pattern=ASSIGNEE, examples=["police"])] = None,
) -> queries.TipFilter:
    return queries.TipFilter(
        municipality,
        status,
        category,
        source,
        locality,
        created_from,
        created_to,
        bbox,
        assigned_to,
    )


@router.get("/tips", response_model=TipCollection, summary="List tips", responses=LISTED)
async def list_tips(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    where: Annotated[queries.TipFilter, Depends(tip_filter)],
) -> TipCollection:
    """The token's municipalities' tips as GeoJSON, newest first; restricted ones with police."""
    features, total = await triage.list_tips(session, principal, where, page)
    return TipCollection(
        features=features,
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=next_offset(page, total),
    )


@router.get(
    "/tips/{tip_id}", response_model=TipDetail, summary="Get a tip and its notes", responses=ON_TIP
)
async def get_tip(tip_id: uuid.UUID, session: SessionDep, principal: Reader) -> TipDetail:
    """One tip as staff see it, with the internal notes; a restricted tip's read is audited."""
    return await triage.get_tip(session, principal, tip_id)


@router.post(
    "/tips/{tip_id}/triage", response_model=TipFeature, summary="Triage a tip", responses=TRANSITION
)
async def triage_tip(
    tip_id: uuid.UUID, body: TriageCommand, session: SessionDep, principal: Writer
) -> TipFeature:
    """A received tip becomes triaged: assigned, restricted or marked a duplicate."""
    return await triage.triage_tip(session, principal, tip_id, body)


@router.post(
    "/tips/{tip_id}/forward",
    response_model=TipFeature,
    summary="Forward a tip",
    responses=TRANSITION,
)
async def forward_tip(
    tip_id: uuid.UUID, body: ForwardCommand, session: SessionDep, principal: Writer
) -> TipFeature:
    """Hand a received or triaged tip to the police or a unit of the municipality."""
    return await triage.forward_tip(session, principal, tip_id, body)


@router.post(
    "/tips/{tip_id}/close", response_model=TipFeature, summary="Close a tip", responses=TRANSITION
)
async def close_tip(
    tip_id: uuid.UUID, body: CloseCommand, session: SessionDep, principal: Writer
) -> TipFeature:
    """Close a tip with its outcome; a tipster who left a contact is sent the public note."""
    return await triage.close_tip(session, principal, tip_id, body)


@router.post(
    "/tips/{tip_id}/notes",
    status_code=201,
    response_model=NoteRead,
    summary="Add an internal note",
    responses={**idempotency.PROBLEMS, **WRITE_ON_TIP, **location.CREATED},
)
async def add_note(
    tip_id: uuid.UUID,
    body: NoteCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A note for staff only: never shown to the tipster or the public."""

    async def create() -> idempotency.Created:
        note, tip = await triage.add_note(session, principal, tip_id, body)
        # The tip's id too, so erasing the tip forgets the stored response with the note's text.
        return idempotency.Created(note, tip.municipality_code, [note.id, tip.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=NOTES,
    )


@router.get(
    "/tips/{tip_id}/notes", response_model=NotePage, summary="List a tip's notes", responses=ON_TIP
)
async def list_notes(
    tip_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> NotePage:
    """The tip's internal notes, oldest first."""
    return await triage.list_notes(session, principal, tip_id, page)


@router.get(
    "/tips/{tip_id}/duplicates",
    response_model=DuplicateCollection,
    summary="Suggest duplicates of a tip",
    responses=ON_TIP,
)
async def suggest_duplicates(
    tip_id: uuid.UUID, session: SessionDep, principal: Reader
) -> DuplicateCollection:
    """Up to 20 tips of the same category within 500 m and 14 days, the likeliest first."""
    return await triage.suggest_duplicates(session, principal, tip_id)


@router.post(
    "/tips/{tip_id}/moderation",
    response_model=ModerationResult,
    summary="Store a tip's shareable description",
    responses=WRITE_ON_TIP,
)
async def moderate_tip(
    tip_id: uuid.UUID, body: ModerationCommand, session: SessionDep, principal: Writer
) -> ModerationResult:
    """Redact personal data from the description (or staff's wording) and store the result."""
    return await triage.moderate(session, principal, tip_id, body)


@router.get(
    "/tips/{tip_id}/audit",
    response_model=AuditPage,
    summary="Read a tip's audit log",
    responses=ON_TIP,
)
async def get_audit_log(
    tip_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> AuditPage:
    """Who read or changed the tip, oldest first; needs `tips:police` or `tips:admin` too."""
    return await triage.audit_log(session, principal, tip_id, page)
