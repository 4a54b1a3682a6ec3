"""Request and response models of action plans."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
)

from shared import geo
from shared.pagination import Page
from walks import examples
from walks.domain import (
    MeasureStatus,
    PlanStatus,
    Priority,
)
from walks.fields import (
    Input,
    LongText,
    MunicipalityCode,
    ShortText,
    absent,
    refuse_null,
)
from walks.measure_schemas import MeasureCreate, MeasureRead

BufferMetres = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=5000,
        description="Residents this many metres around the affected area are affected too.",
    ),
]


class PlanDetails(Input):
    title: ShortText
    public_summary: LongText
    buffer_m: BufferMetres = 0
    measures: list[MeasureCreate] = Field(default_factory=list, max_length=100)


class PlanCreate(PlanDetails):
    """A standalone plan, drawn from the situational picture rather than a walk."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PLAN]})

    municipality_code: MunicipalityCode
    locality: ShortText
    affected_area: geo.Area


class PlanFromWalkCreate(PlanDetails):
    """A plan from a walk: its municipality, and unless given its locality and area."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PLAN_FROM_WALK]})

    locality: ShortText | None = None
    affected_area: geo.Area | None = None


class PlanChange(Input):
    """Changes to a draft or published plan; publish a revision to tell those affected."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"buffer_m": 300}]})

    title: ShortText | None = absent()
    public_summary: LongText | None = absent()
    locality: ShortText | None = absent()
    affected_area: Annotated[geo.Area | None, geo.errors_at_the_given_field()] = absent()
    buffer_m: BufferMetres | None = absent()

    _not_null = field_validator("title", "public_summary", "locality", "affected_area", "buffer_m")(
        refuse_null
    )


class PlanRevise(Input):
    """What changed, in words residents understand."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"revision_note": "Ny åtgärd: röjning vid stationen."}]}
    )

    revision_note: LongText


class PlanWithdraw(Input):
    """Why the plan no longer holds, in words residents understand."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Ersätts av den kommunövergripande planen."}]}
    )

    reason: LongText


class PlanSummary(BaseModel):
    id: uuid.UUID
    municipality_code: str
    locality: str
    title: str
    public_summary: str
    walk_id: uuid.UUID | None
    buffer_m: int
    status: PlanStatus
    revision: int
    published_at: datetime | None
    revised_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    created_at: datetime
    updated_at: datetime
    public_url: str | None = Field(description="Set once the plan is published.")


class PlanRead(PlanSummary):
    """An action plan with its area and its measures."""

    affected_area: geo.MultiPolygon
    revision_note: str | None
    measures: list[MeasureRead]
    progress: dict[MeasureStatus, int] = Field(description="How many measures have each status.")


class PlanAreaProperties(BaseModel):
    id: uuid.UUID
    title: str
    locality: str
    municipality_code: str
    status: PlanStatus
    revision: int
    buffer_m: int


class PlanAreaFeature(geo.Feature[geo.MultiPolygon, PlanAreaProperties]):
    """An action plan's affected area as a GeoJSON Feature."""


class PlanAreaCollection(geo.FeatureCollection[PlanAreaFeature]):
    """Action plans' affected areas as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None


class PublicMeasure(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None
    responsible: str = Field(description="The responsible organisation's name.")
    priority: Priority
    due_date: date | None
    status: MeasureStatus
    status_reason: str | None


class PublicPlan(BaseModel):
    """A published action plan as residents see it."""

    id: uuid.UUID
    municipality_code: str
    locality: str
    title: str
    public_summary: str
    affected_area: geo.MultiPolygon
    buffer_m: int
    status: PlanStatus
    revision: int
    revision_note: str | None
    published_at: datetime | None
    revised_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    measures: list[PublicMeasure]
    protocol_url: str | None = Field(description="The protocol of the walk the plan came from.")
    public_url: str


PlanPage = Page[PlanSummary]
