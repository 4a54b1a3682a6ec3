"""Routes of the evaluation of hot spots against comparable cells."""

from typing import Annotated

from fastapi import APIRouter, Query

from patrols.access import LISTED, Reader
from patrols.config import SettingsDep
from patrols.evaluation import service as evaluation
from patrols.evaluation.schemas import EvaluationReport
from patrols.fields import MunicipalityPath
from patrols.hotspots.ranking import DEFAULT_SEED, period
from patrols.hotspots.schemas import CellSize
from shared.dates import Day
from shared.db import SessionDep
from shared.problems import in_query

router = APIRouter(tags=["evaluation"])


@router.get(
    "/municipalities/{municipality}/evaluation",
    response_model=EvaluationReport,
    summary="Evaluate hot spots against comparable cells",
    responses=LISTED,
)
async def evaluate_hot_spots(
    municipality: MunicipalityPath,
    session: SessionDep,
    principal: Reader,
    settings: SettingsDep,
    before_from: Annotated[Day, Query(description="First day before, Swedish time.")],
    before_to: Annotated[Day, Query(description="Last day before, included.")],
    after_from: Annotated[Day, Query(description="First day after; after before_to.")],
    after_to: Annotated[Day, Query(description="Last day after, included.")],
    cell_size_m: Annotated[
        CellSize | None, Query(description="Metres; the configured size when left out.")
    ] = None,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="Of the bootstrap.")] = DEFAULT_SEED,
) -> EvaluationReport:
    """Incidents before and after in the cells of hot spots active in the after period and in
    comparable untreated cells, the difference in differences and its bootstrap interval."""
    principal.require_municipality(municipality)
    periods = evaluation.periods(
        period(before_from, before_to, in_query("before_to")),
        period(after_from, after_to, in_query("after_to")),
    )
    size = cell_size_m or settings.hot_spots.cell_size_m
    return await evaluation.evaluate(session, settings.hot_spots, municipality, periods, size, seed)
