"""Bodies of the situation routes: the week's picture, its frozen versions, the analyses and
the public summary."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from patrols.fields import Input, text
from shared import geo

ReportText = Annotated[str, text(10000)]


class ApproveBody(Input):
    text: ReportText = Field(description="The EST group's short text on the week.")


class Trend(BaseModel):
    """A count in the week, the week before, the change and the mean of the 4 weeks before."""

    count: int
    previous: int
    change: int
    mean_4w: float


class CategoryFigure(Trend):
    category: str


class LocalityFigure(Trend):
    locality: str | None = Field(description="None: incidents with no known locality.")
    categories: list[CategoryFigure]


class CellFigure(Trend):
    column: int
    row: int
    outline: geo.Polygon


class HotSpotFigure(BaseModel):
    """A hot spot active in the week and its dosage: visits done by completed rounds."""

    hot_spot_id: uuid.UUID
    name: str
    locality: str | None
    column: int
    row: int
    visits_done: int
    minutes: float


class LocalityRounds(BaseModel):
    locality: str | None
    rounds: int = Field(description="Completed rounds with a visit done to its hot spots.")


class WeekPicture(BaseModel):
    """A municipality's ISO week: incidents by locality, category and grid cell, hot spots
    and their dosage, rounds completed."""

    municipality_code: str
    year: int
    week: int
    first_day: date
    last_day: date
    cell_size_m: int
    total: Trend
    by_source: dict[str, int]
    localities: list[LocalityFigure]
    categories: list[CategoryFigure]
    cells: list[CellFigure]
    hot_spots: list[HotSpotFigure]
    rounds_completed: int
    rounds_by_locality: list[LocalityRounds]


class SituationReportOut(BaseModel):
    """A frozen version of a week's picture, never changed."""

    id: uuid.UUID
    municipality_code: str
    year: int
    week: int
    version: int
    status: Literal["draft", "approved"]
    text: str
    threshold: int
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    figures: WeekPicture


class VersionSummary(BaseModel):
    id: uuid.UUID
    version: int
    status: Literal["draft", "approved"]
    approved_by: str | None
    approved_at: datetime | None


class VersionList(BaseModel):
    municipality_code: str
    year: int
    week: int
    versions: list[VersionSummary]


class PublicCategory(BaseModel):
    category: str
    count: int
    change: int


class PublicPlace(BaseModel):
    locality: str
    total: int
    categories: list[PublicCategory]


class PublicSummary(BaseModel):
    """The latest approved version with every small count left out (see suppression.py)."""

    municipality_code: str
    year: int
    week: int
    version: int
    threshold: int = Field(description="Counts below this are left out, never shown.")
    approved_at: datetime | None
    total: int | None = Field(description="None when it could point at someone.")
    places: list[PublicPlace] = Field(description="Only places and counts safe to share.")
    hot_spots: int
    rounds_completed: int


class Series(BaseModel):
    """A place's or category's (or both's) incidents per approved week, and its trend."""

    locality: str | None
    category: str | None
    weekly: list[int]
    total: int
    slope: float = Field(description="Least-squares incidents per week per week.")
    first_half: int
    second_half: int


class Shift(BaseModel):
    locality: str | None
    first_share: float
    second_share: float
    change: float = Field(description="Share of the second half minus that of the first.")


class Effort(BaseModel):
    """The insatser in a locality: hot spots designated, their visits, rounds completed."""

    locality: str | None
    hot_spots: int
    visits_done: int
    minutes: float
    rounds: int


class Analysis(BaseModel):
    municipality_code: str
    period: Literal["quarter", "year"]
    year: int
    quarter: int | None
    weeks: list[int] = Field(description="The approved weeks (latest version each) included.")
    series: list[Series]
    grew: list[Shift]
    shrank: list[Shift]
    efforts: list[Effort]
    rounds_completed: int
