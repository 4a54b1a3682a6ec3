"""Routes of walks: schedule, change, conduct, follow up (for the municipality and police)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from shared import idempotency, location
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, page_of
from walks.access import (
    CREATED,
    LISTED,
    ON_WALK,
    WALK_CHANGE,
    BaseUrl,
    Reader,
    Writer,
)
from walks.domain import WalkStatus
from walks.fields import BBoxFilter, Day, Locality, Municipality
from walks.walks import service
from walks.walks.schemas import (
    FollowUpWalkCreate,
    WalkChange,
    WalkConduct,
    WalkCreate,
    WalkPage,
    WalkRead,
    walk_read,
)

router = APIRouter(tags=["walks"])
WALK = Locator("get_walk", {"walk_id": "id"})


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
    "/walks",
    status_code=201,
    response_model=WalkRead,
    summary="Schedule a walk",
    responses={**CREATED, **location.CREATED},
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
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=WALK,
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
    responses={**WALK_CHANGE, **location.CREATED},
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
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=WALK,
    )
