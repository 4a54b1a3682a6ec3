"""Request and response models of action plans, and a plan read from its rows."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
)
from pydantic_core import to_json

from shared import geo
from shared.pagination import Page, PageParams, next_offset
from walks import examples
from walks.domain import (
    MeasureStatus,
    PlanStatus,
)
from walks.fields import (
    Input,
    LongText,
    MunicipalityCode,
    ShortText,
    absent,
    geometry,
    refuse_null,
)
from walks.links import plan_url
from walks.measures.models import Measure
from walks.measures.schemas import MeasureCreate, MeasureRead, measure_read
from walks.plans.models import ActionPlan

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


PlanPage = Page[PlanSummary]
# The summary's fields that are a plan's columns as they are, in the model's order.
SUMMARY_COLUMNS = [name for name in PlanSummary.model_fields if name != "public_url"]


def plan_summary(plan: ActionPlan, base: str) -> PlanSummary:
    return PlanSummary.model_validate(
        {**plan.model_dump(exclude={"affected_area"}), "public_url": _public_plan_url(plan, base)}
    )


def _public_plan_url(plan: ActionPlan, base: str) -> str | None:
    return plan_url(base, plan.id) if plan.status != PlanStatus.DRAFT else None


def plan_summaries_json(
    rows: Sequence[Mapping[Any, Any]], page: PageParams, total: int, base: str
) -> bytes:
    """A page of plans as PlanPage writes it, straight from their rows: the database's own
    values need no validating, and pydantic's serializer writes them as the model would."""
    return to_json(
        {
            "items": [_summary_of_row(row, base) for row in rows],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
            "next_offset": next_offset(page, total),
        }
    )


def _summary_of_row(row: Mapping[Any, Any], base: str) -> dict[str, Any]:
    public = row["status"] != PlanStatus.DRAFT
    summary = {name: row[name] for name in SUMMARY_COLUMNS}
    summary["public_url"] = plan_url(base, row["id"]) if public else None
    return summary


def plan_read(plan: ActionPlan, measures: list[Measure], base: str) -> PlanRead:
    progress = dict.fromkeys(MeasureStatus, 0)
    for measure in measures:
        progress[MeasureStatus(measure.status)] += 1
    return PlanRead.model_validate(
        {
            **plan_summary(plan, base).model_dump(),
            "affected_area": geometry(plan.affected_area),
            "revision_note": plan.revision_note,
            "measures": [measure_read(m) for m in measures],
            "progress": progress,
        }
    )
