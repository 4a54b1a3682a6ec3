"""Request and response models of hot spots: the ranking of grid cells, its accuracy, and the
designated hot spots (GeoJSON Features of their squares)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema

from patrols.domain import CELL_SIZES_M
from patrols.fields import Input, MediumText, ShortText
from shared import geo
from shared.dates import Day

Order = Literal["gi", "count"]
Significance = Literal["99.9", "99", "95", "none"]

# Corners are metres of SWEREF 99 TM; Sweden lies within these (with a margin).
EAST_RANGE = (100_000, 1_000_000)
NORTH_RANGE = (6_000_000, 7_800_000)


def _allowed_size(size: int) -> int:
    if size not in CELL_SIZES_M:
        raise ValueError(f"must be one of {', '.join(map(str, CELL_SIZES_M))} (metres)")
    return size


CellSize = Annotated[
    int,
    AfterValidator(_allowed_size),
    WithJsonSchema({"type": "integer", "enum": list(CELL_SIZES_M)}),
]
"""The side of a grid cell in metres: one of the sizes patrols works with."""


class Profiles(BaseModel):
    hours: list[int] = Field(
        description="Incidents per three-hour block of Swedish time: 00-03, 03-06, ..., 21-24 "
        "(tips' times are such blocks)."
    )
    weekdays: list[int] = Field(description="Incidents per weekday, Swedish time, Monday first.")


class CellProperties(BaseModel):
    rank: int = Field(description="1 for the first cell in the requested order.")
    cell_east: int = Field(description="Easting of the south-west corner, SWEREF 99 TM metres.")
    cell_north: int = Field(description="Northing of the south-west corner.")
    cell_size_m: int
    count: int = Field(description="Incidents with a point in the cell over the period.")
    gi_z: float = Field(description="Getis-Ord Gi* z-score of the cell and its neighbours.")
    p_value: float = Field(
        description="Pseudo p-value by conditional permutation, folded as PySAL esda's p_sim."
    )
    significance: Significance = Field(
        description="Confidence that the cell is a hot spot, by p (<= 0.001, 0.01, 0.05), where "
        "gi_z > 0 and p counts the draws at or above the neighbours' sum. A folded p counting "
        "the draws below says the neighbours are low (as when nothing is around the cell): "
        "'none'."
    )
    locality: str | None
    profiles: Profiles


class CellFeature(geo.Feature[geo.Polygon, CellProperties]):
    """A grid cell of the ranking: its square in WGS84."""


class RankingCollection(geo.FeatureCollection[CellFeature]):
    """The ranking's top cells as a GeoJSON FeatureCollection, with how it was made."""

    municipality: str
    period_from: date
    period_to: date
    cell_size_m: int
    order: Order
    permutations: int
    seed: int
    cells_considered: int = Field(
        description="Cells Gi* was computed over: those meeting the municipality's localities, "
        "and those within twice the neighbour rings of a counted incident."
    )
    incidents: int = Field(description="Counted incidents: those with a point.")
    incidents_without_place: int = Field(
        description="Incidents of the period known only by locality: in no cell."
    )


class AccuracyReport(BaseModel):
    """How well the top cells of one period's ranking held a later period's incidents."""

    municipality: str
    order: Order
    cell_size_m: int
    ranking_from: date
    ranking_to: date
    test_from: date
    test_to: date
    top: int = Field(description="Top cells taken (fewer when fewer cells were considered).")
    cells_considered: int
    incidents_in_top: int = Field(description="n: the test period's incidents in the top cells.")
    incidents: int = Field(description="N: the test period's incidents with a point.")
    hit_rate: float | None = Field(description="n / N; null when N is 0.")
    area_top_km2: float = Field(description="a: the top cells' area.")
    area_km2: float = Field(description="A: the area of every cell considered.")
    pai: float | None = Field(
        description="Prediction Accuracy Index (Chainey, Tompson & Uhlig 2008): (n / N) / (a / A)."
    )


HOT_SPOT_EXAMPLE: dict[str, Any] = {
    "name": "Torget i Forsheda",
    "cell_east": 428800,
    "cell_north": 6336400,
    "cell_size_m": 200,
    "reason": "Skadegörelse och oro kvällstid vid busshållplatsen, högst i rangordningen.",
    "period_start": "2026-12-01",
    "period_end": "2027-02-28",
}


class HotSpotCreate(Input):
    """Designate a grid cell a hot spot for a period."""

    model_config = ConfigDict(json_schema_extra={"examples": [HOT_SPOT_EXAMPLE]})

    name: ShortText = Field(description="The name residents know the place by.")
    cell_east: StrictInt = Field(ge=EAST_RANGE[0], le=EAST_RANGE[1])
    cell_north: StrictInt = Field(ge=NORTH_RANGE[0], le=NORTH_RANGE[1])
    cell_size_m: CellSize
    reason: MediumText
    period_start: Day
    period_end: Day


class HotSpotRetire(Input):
    """Retire a hot spot: its period ended early, or the problem moved."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Lugnt sedan belysningen byttes."}]}
    )

    reason: MediumText


class HotSpotProperties(BaseModel):
    id: uuid.UUID
    municipality_code: str
    name: str
    cell_east: int
    cell_north: int
    cell_size_m: int
    locality: str | None
    reason: str
    period_start: date
    period_end: date
    ranking: dict[str, Any] = Field(
        description="The cell in the ranking over the 90 days before the period: count, gi_z, "
        "p_value, significance, rank (null statistics when outside the cells considered)."
    )
    active: bool = Field(description="Not retired.")
    designated_by: str
    designated_at: datetime
    retired_at: datetime | None
    retired_by: str | None
    retire_reason: str | None


class HotSpotFeature(geo.Feature[geo.Polygon, HotSpotProperties]):
    """A designated hot spot: its grid square in WGS84."""


class HotSpotCollection(geo.FeatureCollection[HotSpotFeature]):
    """Designated hot spots as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None
