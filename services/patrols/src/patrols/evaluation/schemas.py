"""Response models of the evaluation of hot spots: treated cells against comparable untreated
ones, before and after, and the difference in differences."""

import uuid
from datetime import date

from pydantic import BaseModel, Field


class GroupSummary(BaseModel):
    cells: int
    incidents_before: int
    incidents_after: int
    rate_before: float = Field(description="Incidents per cell per 30 days, before.")
    rate_after: float = Field(description="Incidents per cell per 30 days, after.")
    change: float = Field(description="rate_after - rate_before.")


class CellCounts(BaseModel):
    cell_east: int
    cell_north: int
    before: int
    after: int


class MatchedSet(BaseModel):
    """A treated cell and the untreated cells chosen to compare it with."""

    treated: CellCounts
    hot_spot_ids: list[uuid.UUID]
    comparison: list[CellCounts]


class EvaluationReport(BaseModel):
    """Hot spots (treated cells) against comparable untreated cells, before and after."""

    municipality: str
    cell_size_m: int
    before_from: date
    before_to: date
    after_from: date
    after_to: date
    treated: GroupSummary
    comparison: GroupSummary
    did: float | None = Field(
        description="Difference in differences: the treated cells' change minus the comparison "
        "cells', in incidents per cell per 30 days; below 0, the hot spots improved more. Null "
        "without treated or comparison cells."
    )
    did_ci95: tuple[float, float] | None = Field(
        description="95 % percentile bootstrap interval of `did`, resampling matched sets; null "
        "with fewer than two."
    )
    ratio: float | None = Field(
        description="(treated after / before) / (comparison after / before), of the rates; "
        "below 1, the hot spots improved more. Null where a rate is 0."
    )
    resamples: int
    seed: int
    method: str
    matches: list[MatchedSet]
