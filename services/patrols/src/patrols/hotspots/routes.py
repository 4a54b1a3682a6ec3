"""Routes of hot spots: the ranking of grid cells by count and Gi*, its accuracy, and the hot
spots staff designate from it and retire."""

import uuid
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from patrols.access import BODY_PROBLEMS, CREATED, LISTED, Reader, Writer
from patrols.config import SettingsDep
from patrols.domain import CATEGORY_CODE, IncidentSource
from patrols.errors import HotSpotConflict, HotSpotNotFound
from patrols.fields import MunicipalityPath
from patrols.hotspots import ranking
from patrols.hotspots import service as hot_spots
from patrols.hotspots.queries import IncidentFilter
from patrols.hotspots.schemas import (
    AccuracyReport,
    CellSize,
    HotSpotCollection,
    HotSpotCreate,
    HotSpotFeature,
    HotSpotRetire,
    Order,
    RankingCollection,
)
from shared import idempotency, location
from shared.dates import Day
from shared.db import SessionDep
from shared.idempotency import IdempotencyKey
from shared.location import Locator
from shared.pagination import PageDep, next_offset
from shared.problems import in_query, problem_responses

router = APIRouter(tags=["hot spots"])

ON_HOT_SPOT = {**LISTED, **problem_responses(HotSpotNotFound)}
DESIGNATE = {**CREATED, **problem_responses(HotSpotConflict)}
RETIRE = {**ON_HOT_SPOT, **problem_responses(HotSpotConflict), **BODY_PROBLEMS}
MAX_CELLS = 500


def ranking_query(
    municipality: MunicipalityPath,
    settings: SettingsDep,
    period_from: Annotated[Day, Query(alias="from", description="First day, Swedish time.")],
    period_to: Annotated[
        Day, Query(alias="to", description="Last day, included; at most 366 days in all.")
    ],
    cell_size_m: Annotated[
        CellSize | None, Query(description="Metres; the configured size when left out.")
    ] = None,
    category: Annotated[str | None, Query(pattern=CATEGORY_CODE)] = None,
    source: IncidentSource | None = None,
    order: Annotated[Order, Query(description="By Gi* z-score, or by count.")] = "gi",
    permutations: Annotated[
        int | None, Query(ge=99, le=9999, description="The configured number when left out.")
    ] = None,
    seed: Annotated[
        int, Query(ge=0, le=2**32 - 1, description="The same seed gives the same p-values.")
    ] = ranking.DEFAULT_SEED,
) -> ranking.RankingQuery:
    days = ranking.period(period_from, period_to, in_query("to"))
    hot = settings.hot_spots
    return ranking.RankingQuery(
        IncidentFilter(municipality, days, category, source),
        cell_size_m or hot.cell_size_m,
        order,
        permutations or hot.permutations,
        seed,
    )


RankingQueryDep = Annotated[ranking.RankingQuery, Depends(ranking_query)]


@router.get(
    "/municipalities/{municipality}/hot-spots/ranking",
    response_model=RankingCollection,
    summary="Rank grid cells by incidents and Gi*",
    responses=LISTED,
)
async def rank_cells(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    settings: SettingsDep,
    query: RankingQueryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CELLS)] = 50,
) -> RankingCollection:
    """The top cells of the period as GeoJSON, with Gi* z-scores, permutation p-values and
    profiles by time of day and weekday. Incidents without a point are in no cell."""
    principal.require_municipality(municipality)
    return await ranking.rank(session, settings.hot_spots, replace(query, limit=limit))


@router.get(
    "/municipalities/{municipality}/hot-spots/accuracy",
    response_model=AccuracyReport,
    summary="Measure the ranking against a later period",
    responses=LISTED,
)
async def measure_accuracy(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    settings: SettingsDep,
    query: RankingQueryDep,
    test_from: Annotated[Day, Query(description="First day of the later period.")],
    test_to: Annotated[Day, Query(description="Last day of the later period, included.")],
    top: Annotated[int, Query(ge=1, le=MAX_CELLS, description="How many top cells.")] = 20,
) -> AccuracyReport:
    """Rank over the first period, take the top cells, and report the later period's hit rate
    and Prediction Accuracy Index (PAI) for them."""
    principal.require_municipality(municipality)
    test = ranking.period(test_from, test_to, in_query("test_to"))
    return await ranking.accuracy(session, settings.hot_spots, query, test, top)


@router.post(
    "/municipalities/{municipality}/hot-spots",
    status_code=201,
    response_model=HotSpotFeature,
    summary="Designate a hot spot",
    responses={**DESIGNATE, **location.CREATED},
)
async def designate_hot_spot(
    municipality: MunicipalityPath,
    body: HotSpotCreate,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A grid cell from the ranking becomes a hot spot for a period, with the reason."""
    principal.require_municipality(municipality)

    async def create() -> idempotency.Created:
        hot_spot = await hot_spots.designate(
            session, settings.hot_spots, principal, municipality, body
        )
        return idempotency.Created(hot_spots.feature(hot_spot), municipality, [hot_spot.id])

    return await idempotency.respond(
        session,
        request,
        key=idempotency_key,
        principal=principal,
        body=body,
        create=create,
        locate=Locator("get_hot_spot", {"hot_spot_id": "id"}),
    )


@router.get(
    "/municipalities/{municipality}/hot-spots",
    response_model=HotSpotCollection,
    summary="List hot spots",
    responses=LISTED,
)
async def list_hot_spots(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    active: Annotated[
        bool | None, Query(description="Only active (true) or retired (false) ones.")
    ] = None,
) -> HotSpotCollection:
    """The municipality's hot spots as GeoJSON, the latest designated first."""
    principal.require_municipality(municipality)
    rows, total = await hot_spots.list_hot_spots(session, municipality, active, page)
    return HotSpotCollection(
        features=[hot_spots.feature(h) for h in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        next_offset=next_offset(page, total),
    )


@router.get(
    "/hot-spots/{hot_spot_id}",
    response_model=HotSpotFeature,
    summary="Get a hot spot",
    responses=ON_HOT_SPOT,
)
async def get_hot_spot(
    hot_spot_id: uuid.UUID, session: SessionDep, principal: Reader
) -> HotSpotFeature:
    """One hot spot with the ranking it was chosen from."""
    return hot_spots.feature(await hot_spots.get(session, principal, hot_spot_id))


@router.post(
    "/hot-spots/{hot_spot_id}/retire",
    response_model=HotSpotFeature,
    summary="Retire a hot spot",
    responses=RETIRE,
)
async def retire_hot_spot(
    hot_spot_id: uuid.UUID, body: HotSpotRetire, session: SessionDep, principal: Writer
) -> HotSpotFeature:
    """The hot spot is one no longer: its period ended early, or the problem moved."""
    return hot_spots.feature(await hot_spots.retire(session, principal, hot_spot_id, body))
