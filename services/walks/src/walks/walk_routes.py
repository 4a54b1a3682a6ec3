"""Routes of walks, their participants and their protocols (for the municipality and police)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from shared import idempotency
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.pagination import PageDep, page_of
from shared.problems import problem_responses
from walks import participants, protocol, service
from walks.access import (
    CREATED,
    LISTED,
    ON_WALK,
    WALK_CHANGE,
    WALK_TRANSITION,
    BaseUrl,
    Publisher,
    Reader,
    Writer,
)
from walks.domain import WalkStatus
from walks.errors import ParticipantNotFound
from walks.fields import BBoxFilter, Day, Locality, Municipality
from walks.observation_schemas import InternalProtocol, ProtocolPublish, PublicProtocol
from walks.schemas import (
    FollowUpWalkCreate,
    ParticipantCreate,
    ParticipantPage,
    ParticipantRead,
    WalkChange,
    WalkConduct,
    WalkCreate,
    WalkPage,
    WalkRead,
)
from walks.views import participant_read, walk_read

router = APIRouter(tags=["walks"])


def walk_filter(
    municipality: Municipality = None,
    locality: Locality = None,
    status: WalkStatus | None = None,
    date_from: Annotated[Day | None, Query(description="Walks on or after this day.")] = None,
    date_to: Annotated[Day | None, Query(description="Walks on or before this day.")] = None,
    bbox: BBoxFilter = None,
) -> service.WalkFilter:
    return service.WalkFilter(municipality, locality, status, date_from, date_to, bbox)


@router.post(
    "/walks", status_code=201, response_model=WalkRead, summary="Schedule a walk", responses=CREATED
)
async def schedule_walk(
    body: WalkCreate,
    session: SessionDep,
    principal: Writer,
    base: BaseUrl,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Schedule a safety walk; residents are invited through the walk.scheduled event."""

    async def create() -> idempotency.Created:
        walk = await service.schedule_walk(session, principal, body, base)
        return idempotency.Created(walk_read(walk, base), walk.municipality_code, [walk.id])

    return await idempotency.respond(
        session, request, key=idempotency_key, principal=principal, body=body, create=create
    )


@router.get("/walks", response_model=WalkPage, summary="List walks", responses=LISTED)
async def list_walks(
    session: SessionDep,
    principal: Reader,
    base: BaseUrl,
    page: PageDep,
    where: Annotated[service.WalkFilter, Depends(walk_filter)],
) -> WalkPage:
    """Walks in the token's municipalities, latest first, filtered and paginated."""
    rows, total = await service.list_walks(session, principal, where, page)
    return page_of([walk_read(w, base) for w in rows], page, total)


@router.get("/walks/{walk_id}", response_model=WalkRead, summary="Get a walk", responses=ON_WALK)
async def get_walk(
    walk_id: uuid.UUID, session: SessionDep, principal: Reader, base: BaseUrl
) -> WalkRead:
    """One walk, with its area, route and stops."""
    return walk_read(await service.get_walk(session, principal, walk_id), base)


@router.patch(
    "/walks/{walk_id}",
    response_model=WalkRead,
    summary="Change a planned walk",
    responses=WALK_CHANGE,
)
async def change_walk(
    walk_id: uuid.UUID, body: WalkChange, session: SessionDep, principal: Writer, base: BaseUrl
) -> WalkRead:
    """Change a planned walk; those invited hear of it through walk.rescheduled."""
    return walk_read(await service.change_walk(session, principal, walk_id, body, base), base)


@router.post(
    "/walks/{walk_id}/conduct",
    response_model=WalkRead,
    summary="Record that a walk took place",
    responses=WALK_CHANGE,
)
async def conduct_walk(
    walk_id: uuid.UUID, body: WalkConduct, session: SessionDep, principal: Writer, base: BaseUrl
) -> WalkRead:
    """Mark the walk conducted once its observations are in; emits walk.conducted."""
    return walk_read(await service.conduct_walk(session, principal, walk_id, body), base)


@router.post(
    "/walks/{walk_id}/follow-ups",
    status_code=201,
    response_model=WalkRead,
    summary="Schedule a follow-up walk",
    responses=WALK_CHANGE,
)
async def schedule_follow_up(
    walk_id: uuid.UUID,
    body: FollowUpWalkCreate,
    session: SessionDep,
    principal: Writer,
    base: BaseUrl,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Schedule a repeat walk that follows up a walk whose protocol is published."""

    async def create() -> idempotency.Created:
        walk = await service.schedule_follow_up(session, principal, walk_id, body, base)
        return idempotency.Created(walk_read(walk, base), walk.municipality_code, [walk.id])

    return await idempotency.respond(
        session, request, key=idempotency_key, principal=principal, body=body, create=create
    )


@router.post(
    "/walks/{walk_id}/participants",
    status_code=201,
    response_model=ParticipantRead,
    summary="Add a participant",
    responses=WALK_CHANGE,
)
async def add_participant(
    walk_id: uuid.UUID,
    body: ParticipantCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add someone to the walk's roster, by role; contact details only with their consent."""

    async def create() -> idempotency.Created:
        participant, walk = await participants.add_participant(session, principal, walk_id, body)
        # Held by the participant's id, so withdrawing their consent forgets their contact here.
        held = [participant.id, walk.id]
        return idempotency.Created(participant_read(participant), walk.municipality_code, held)

    return await idempotency.respond(
        session, request, key=idempotency_key, principal=principal, body=body, create=create
    )


@router.get(
    "/walks/{walk_id}/participants",
    response_model=ParticipantPage,
    summary="List a walk's participants",
    responses=ON_WALK,
)
async def list_participants(
    walk_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> ParticipantPage:
    """The walk's roster, with contact details where consent was recorded."""
    rows, total = await participants.list_participants(session, principal, walk_id, page)
    return page_of([participant_read(p) for p in rows], page, total)


ON_PARTICIPANT = {**ON_WALK, **problem_responses(ParticipantNotFound)}


@router.delete(
    "/walks/{walk_id}/participants/{participant_id}/contact",
    status_code=204,
    summary="Withdraw a participant's consent to be contacted",
    responses=ON_PARTICIPANT,
)
async def withdraw_consent(
    walk_id: uuid.UUID, participant_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    """Erase the participant's contact details and record that consent was withdrawn."""
    await participants.withdraw_consent(session, principal, walk_id, participant_id)
    return Response(status_code=204)


@router.delete(
    "/walks/{walk_id}/participants/{participant_id}",
    status_code=204,
    summary="Remove a participant",
    responses=ON_PARTICIPANT,
)
async def remove_participant(
    walk_id: uuid.UUID, participant_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    """Erase a participant; published protocols only ever held counts by role."""
    await participants.remove_participant(session, principal, walk_id, participant_id)
    return Response(status_code=204)


@router.get(
    "/walks/{walk_id}/protocol",
    response_model=InternalProtocol,
    summary="Get a walk's protocol",
    responses=WALK_TRANSITION,
)
async def get_protocol(
    walk_id: uuid.UUID, session: SessionDep, principal: Reader, base: BaseUrl
) -> InternalProtocol:
    """The protocol as published, or a preview of it once the walk is conducted."""
    return await protocol.get_protocol(session, principal, walk_id, base)


@router.post(
    "/walks/{walk_id}/protocol/publish",
    response_model=PublicProtocol,
    summary="Publish a walk's protocol",
    responses=WALK_CHANGE,
)
async def publish_protocol(
    walk_id: uuid.UUID,
    body: ProtocolPublish,
    session: SessionDep,
    principal: Publisher,
    base: BaseUrl,
) -> PublicProtocol:
    """Publish the public protocol of a conducted walk; emits protocol.published."""
    return await protocol.publish_protocol(session, principal, walk_id, body, base)
