"""Routes of the stakeholder directory (staff): organisations, areas, contacts."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from notify.access import KEYED, LISTED, Reader, Writer
from notify.directory import service as stakeholders
from notify.directory.schemas import (
    Category,
    ContactCreate,
    ContactRead,
    StakeholderChange,
    StakeholderCreate,
    StakeholderPage,
    StakeholderRead,
)
from notify.domain import StakeholderKind
from notify.errors import ContactNotFound, StakeholderKeyTaken, StakeholderNotFound
from notify.fields import StakeholderKey
from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from shared.problems import problem_responses

router = APIRouter(tags=["stakeholders"])

# 400: a body that is not JSON; 413: one over the size cap.
CREATED = {**KEYED, **problem_responses(StakeholderKeyTaken)}
ON_ONE = {**LISTED, **problem_responses(StakeholderNotFound)}
ON_CONTACT = {**ON_ONE, **problem_responses(ContactNotFound)}


def stakeholder_filter(
    municipality: Annotated[str | None, Query(pattern=r"^[0-9]{4}$")] = None,
    kind: StakeholderKind | None = None,
    key: Annotated[StakeholderKey | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
) -> stakeholders.StakeholderFilter:
    return stakeholders.StakeholderFilter(municipality, kind, key, category)


@router.post(
    "/stakeholders",
    status_code=201,
    response_model=StakeholderRead,
    summary="Register a stakeholder",
    responses={**CREATED, **location.CREATED},
)
async def create_stakeholder(
    body: StakeholderCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register an organisation, its area of responsibility and its contacts."""

    async def create() -> idempotency.Created:
        stakeholder = await stakeholders.create(session, principal, body)
        read = (await stakeholders.reads(session, [stakeholder]))[0]
        held = [read.id, *(contact.id for contact in read.contacts)]
        return idempotency.Created(read, read.municipality_code, held)

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_stakeholder", {"stakeholder_id": "id"}),
    )


@router.get(
    "/stakeholders", response_model=StakeholderPage, summary="List stakeholders", responses=LISTED
)
async def list_stakeholders(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    where: Annotated[stakeholders.StakeholderFilter, Depends(stakeholder_filter)],
) -> StakeholderPage:
    """Stakeholders of the token's municipalities by name, filtered and paginated."""
    rows, total = await stakeholders.list_stakeholders(session, principal, where, page)
    return page_of(await stakeholders.reads(session, rows), page, total)


@router.get(
    "/stakeholders/{stakeholder_id}",
    response_model=StakeholderRead,
    summary="Get a stakeholder",
    responses=ON_ONE,
)
async def get_stakeholder(
    stakeholder_id: uuid.UUID, session: SessionDep, principal: Reader
) -> StakeholderRead:
    """One stakeholder with its area and contacts."""
    stakeholder = await stakeholders.get(session, principal, stakeholder_id)
    return (await stakeholders.reads(session, [stakeholder]))[0]


@router.patch(
    "/stakeholders/{stakeholder_id}",
    response_model=StakeholderRead,
    summary="Change a stakeholder",
    responses=ON_ONE,
)
async def change_stakeholder(
    stakeholder_id: uuid.UUID, body: StakeholderChange, session: SessionDep, principal: Writer
) -> StakeholderRead:
    """Change a stakeholder's name, kind, categories, area or language."""
    stakeholder = await stakeholders.change(session, principal, stakeholder_id, body)
    return (await stakeholders.reads(session, [stakeholder]))[0]


@router.delete(
    "/stakeholders/{stakeholder_id}",
    status_code=204,
    summary="Remove a stakeholder",
    responses=ON_ONE,
)
async def delete_stakeholder(
    stakeholder_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    """Remove a stakeholder and its contacts; queued messages to them are cancelled."""
    await stakeholders.delete(session, principal, stakeholder_id)
    return Response(status_code=204)


@router.post(
    "/stakeholders/{stakeholder_id}/contacts",
    status_code=201,
    response_model=ContactRead,
    summary="Add a contact",
    responses={**ON_ONE, **location.CREATED},
)
async def add_contact(
    stakeholder_id: uuid.UUID,
    body: ContactCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ContactRead:
    """Add someone at the organisation who is told, by email or SMS."""
    contact = await stakeholders.add_contact(session, principal, stakeholder_id, body)
    # A contact has no page of its own: its address is the one its removal is sent to.
    where = {"stakeholder_id": stakeholder_id, "contact_id": contact.id}
    location.set_location(response, request, "remove_contact", **where)
    return ContactRead.model_validate(contact.model_dump())


@router.delete(
    "/stakeholders/{stakeholder_id}/contacts/{contact_id}",
    status_code=204,
    summary="Remove a contact",
    responses=ON_CONTACT,
)
async def remove_contact(
    stakeholder_id: uuid.UUID, contact_id: uuid.UUID, session: SessionDep, principal: Writer
) -> Response:
    """Remove a contact; queued messages to it are cancelled."""
    await stakeholders.remove_contact(session, principal, stakeholder_id, contact_id)
    return Response(status_code=204)
