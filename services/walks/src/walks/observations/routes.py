"""Routes of observations (as GeoJSON) and of each municipality's observation taxonomy."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from shared import idempotency, location
from shared.auth import AUTH_PROBLEMS
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, PageParams, next_offset
from shared.problems import Conflict, InvalidInput, problem_responses
from walks.access import BODY_PROBLEMS, ON_WALK, Admin, Reader, Writer
from walks.domain import CATEGORY_CODE, Sentiment
from walks.errors import ObservationNotFound
from walks.fields import BBoxFilter, Day, Locality, Municipality
from walks.observations import service as observations
from walks.observations.models import Observation
from walks.observations.schemas import (
    BatchResult,
    CategoryChange,
    CategoryRead,
    ObservationBatch,
    ObservationCollection,
    ObservationCreate,
    ObservationFeature,
    observation_feature,
)
from walks.walks import service as walk_service
from walks.walks.models import Walk

router = APIRouter(tags=["observations"])
OBSERVATION = Locator("get_observation", {"observation_id": "id"})

# 409: the walk is no longer planned, an id is another observation's, or the walk is full.
UPLOAD = {**ON_WALK, **problem_responses(Conflict), **BODY_PROBLEMS}
MunicipalityPath = Annotated[str, Path(pattern=r"^[0-9]{4}$", examples=["0683"])]


def observation_filter(
    municipality: Municipality = None,
    locality: Locality = None,
    walk_id: uuid.UUID | None = None,
    category: Annotated[str | None, Query(pattern=CATEGORY_CODE)] = None,
    sentiment: Sentiment | None = None,
    date_from: Annotated[Day | None, Query(description="Walks on or after this day.")] = None,
    date_to: Annotated[Day | None, Query(description="Walks on or before this day.")] = None,
    bbox: BBoxFilter = None,
) -> observations.ObservationFilter:
    return observations.ObservationFilter(
        municipality, locality, walk_id, category, sentiment, date_from, date_to, bbox
    )


async def _collection(
    session: SessionDep, rows: list[tuple[Observation, Walk]], page: PageParams, total: int
) -> ObservationCollection:
    labels = await observations.labels(session, [w.municipality_code for _, w in rows])
    return ObservationCollection(
        features=[observation_feature(o, labels[w.municipality_code]) for o, w in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=next_offset(page, total),
    )


@router.post(
    "/walks/{walk_id}/observations",
    status_code=201,
    response_model=ObservationFeature,
    summary="Record an observation",
    responses={**UPLOAD, **location.CREATED},
)
async def add_observation(
    walk_id: uuid.UUID,
    body: ObservationCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record one observation made during the walk."""

    async def create() -> idempotency.Created:
        observation, walk = await observations.add_observation(session, principal, walk_id, body)
        labels = await observations.labels(session, [walk.municipality_code])
        feature = observation_feature(observation, labels[walk.municipality_code])
        return idempotency.Created(feature, walk.municipality_code, [observation.id, walk.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=OBSERVATION,
    )


@router.post(
    "/walks/{walk_id}/observations/batch",
    response_model=BatchResult,
    summary="Upload observations from the field",
    responses=UPLOAD,
)
async def upload_observations(
    walk_id: uuid.UUID,
    body: ObservationBatch,
    session: SessionDep,
    principal: Writer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Store observations with client-chosen ids; a retried upload stores nothing twice."""

    async def create() -> idempotency.Created:
        result = await observations.upload_batch(session, principal, walk_id, body.observations)
        walk = await walk_service.get_walk(session, principal, walk_id)
        held = [walk.id, *result.created, *result.already_stored]
        return idempotency.Created(result, walk.municipality_code, held)

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        status_code=200,
    )


@router.get(
    "/walks/{walk_id}/observations",
    response_model=ObservationCollection,
    summary="A walk's observations as GeoJSON",
    responses=ON_WALK,
)
async def list_walk_observations(
    walk_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> ObservationCollection:
    """The walk's observations as a GeoJSON FeatureCollection."""
    await walk_service.get_walk(session, principal, walk_id)
    where = observations.ObservationFilter(walk_id=walk_id)
    rows, total = await observations.list_observations(session, principal, where, page)
    return await _collection(session, rows, page, total)


@router.get(
    "/observations",
    response_model=ObservationCollection,
    summary="Observations as GeoJSON",
    responses={**AUTH_PROBLEMS, **problem_responses(InvalidInput)},
)
async def list_observations(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    where: Annotated[observations.ObservationFilter, Depends(observation_filter)],
) -> ObservationCollection:
    """Observations of walks in the token's municipalities, for a map, filtered and paginated."""
    rows, total = await observations.list_observations(session, principal, where, page)
    return await _collection(session, rows, page, total)


@router.get(
    "/observations/{observation_id}",
    response_model=ObservationFeature,
    summary="Get an observation",
    responses={**AUTH_PROBLEMS, **problem_responses(ObservationNotFound, InvalidInput)},
)
async def get_observation(
    observation_id: uuid.UUID, session: SessionDep, principal: Reader
) -> ObservationFeature:
    """One observation as a GeoJSON Feature."""
    observation, walk = await observations.get_observation(session, principal, observation_id)
    labels = await observations.labels(session, [walk.municipality_code])
    return observation_feature(observation, labels[walk.municipality_code])


@router.get(
    "/municipalities/{municipality_code}/observation-categories",
    response_model=list[CategoryRead],
    summary="A municipality's observation categories",
    tags=["taxonomy"],
    responses={**AUTH_PROBLEMS, **problem_responses(InvalidInput)},
)
async def get_taxonomy(
    municipality_code: MunicipalityPath, session: SessionDep, principal: Reader
) -> list[CategoryRead]:
    """The default taxonomy with the municipality's own labels, retirements and additions."""
    principal.require_municipality(municipality_code)
    return await observations.taxonomy(session, municipality_code)


@router.put(
    "/municipalities/{municipality_code}/observation-categories/{category_code}",
    response_model=CategoryRead,
    summary="Add, relabel or retire an observation category",
    tags=["taxonomy"],
    responses={**AUTH_PROBLEMS, **problem_responses(InvalidInput), **BODY_PROBLEMS},
)
async def set_category(
    municipality_code: MunicipalityPath,
    category_code: Annotated[str, Path(pattern=CATEGORY_CODE, examples=["snow_clearing"])],
    body: CategoryChange,
    session: SessionDep,
    principal: Admin,
) -> CategoryRead:
    """Set a category of the municipality's taxonomy; retired ones stay on old observations."""
    return await observations.set_category(
        session, principal, municipality_code, category_code, body
    )
