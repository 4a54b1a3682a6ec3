"""Routes of a walk's participants: the roster, consent, erasure."""

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from shared.problems import problem_responses
from walks.access import ON_WALK, WALK_CHANGE, Reader, Writer
from walks.errors import ParticipantNotFound
from walks.participants import service as participants
from walks.participants.schemas import (
    ParticipantCreate,
    ParticipantPage,
    ParticipantRead,
    participant_read,
)

router = APIRouter(tags=["walks"])
# A participant has no page of its own: its address is the one its removal is sent to.
PARTICIPANT = Locator("remove_participant", {"participant_id": "id"}, kept=("walk_id",))


@router.post(
    "/walks/{walk_id}/participants",
    status_code=201,
    response_model=ParticipantRead,
    summary="Add a participant",
    responses={**WALK_CHANGE, **location.CREATED},
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
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=PARTICIPANT,
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
