"""Routes of citizen dialogues (medborgardialoger) and their input, entered by staff."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared import geo, idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import Page, PageDep, page_of
from shared.problems import problem_responses
from tips.access import CREATED, LISTED, Reader, Writer
from tips.dialogues import service as dialogues
from tips.dialogues.models import Dialogue
from tips.dialogues.schemas import DialogueCreate, DialogueInput, DialogueRead, InputRead
from tips.errors import CategoryNotFound, DialogueNotFound, TipIdTaken
from tips.fields import MunicipalityPath

router = APIRouter(tags=["dialogues"])

ON_DIALOGUE = {**LISTED, **problem_responses(DialogueNotFound)}
ADD_INPUT = {
    **CREATED,
    **problem_responses(DialogueNotFound, CategoryNotFound, TipIdTaken),
    200: {"description": "The same input was sent before with this id: nothing new was stored."},
}


def dialogue_read(dialogue: Dialogue, inputs: int) -> DialogueRead:
    return DialogueRead.model_validate(
        {**dialogue.model_dump(), "location": geo.from_db(dialogue.location)} | {"inputs": inputs}
    )


@router.post(
    "/municipalities/{municipality}/dialogues",
    status_code=201,
    response_model=DialogueRead,
    summary="Record a citizen dialogue",
    responses={**CREATED, **location.CREATED},
)
async def create_dialogue(
    municipality: MunicipalityPath,
    body: DialogueCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A meeting where residents raised concerns; what they raised is added as its input."""
    principal.require_municipality(municipality)

    async def create() -> idempotency.Created:
        dialogue = await dialogues.create(session, municipality, body, principal.subject)
        return idempotency.Created(dialogue_read(dialogue, 0), municipality, [dialogue.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_dialogue", {"dialogue_id": "id"}),
    )


@router.get(
    "/municipalities/{municipality}/dialogues",
    response_model=Page[DialogueRead],
    summary="List citizen dialogues",
    responses=LISTED,
)
async def list_dialogues(
    municipality: MunicipalityPath, session: SessionDep, principal: Reader, page: PageDep
) -> Page[DialogueRead]:
    """The municipality's dialogues, the latest first, with how much input each gave."""
    principal.require_municipality(municipality)
    rows, total = await dialogues.list_dialogues(session, municipality, page)
    counts = await dialogues.input_counts(session, [d.id for d in rows])
    return page_of([dialogue_read(d, counts.get(d.id, 0)) for d in rows], page, total)


@router.get(
    "/dialogues/{dialogue_id}",
    response_model=DialogueRead,
    summary="Get a citizen dialogue",
    responses=ON_DIALOGUE,
)
async def get_dialogue(
    dialogue_id: uuid.UUID, session: SessionDep, principal: Reader
) -> DialogueRead:
    """One dialogue with how much input it gave."""
    dialogue = await dialogues.get(session, principal, dialogue_id)
    counts = await dialogues.input_counts(session, [dialogue.id])
    return dialogue_read(dialogue, counts.get(dialogue.id, 0))


@router.post(
    "/dialogues/{dialogue_id}/inputs",
    status_code=201,
    response_model=InputRead,
    summary="Record what residents raised at a dialogue",
    responses={**ADD_INPUT, **location.CREATED},
)
async def add_input(
    dialogue_id: uuid.UUID,
    body: DialogueInput,
    session: SessionDep,
    principal: Writer,
    request: Request,
) -> JSONResponse:
    """One concern raised at the meeting, with its place and category; it becomes a tip."""
    submitted = await dialogues.add_input(session, principal, dialogue_id, body)
    tip = submitted.tip
    read = InputRead(
        id=tip.id,
        dialogue_id=dialogue_id,
        category=tip.category_code,
        status=tip.status,
        created_at=tip.created_at,
    )
    # What residents raised becomes a tip: the input is read as that tip.
    headers = {location.HEADER: location.path_of(request, "get_tip", tip_id=tip.id)}
    status = 201 if submitted.created else 200
    return JSONResponse(read.model_dump(mode="json"), status_code=status, headers=headers)
