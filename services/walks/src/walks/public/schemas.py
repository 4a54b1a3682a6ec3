"""What residents read: walks and action plans as the public sees them, built from rows."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared import geo
from walks.domain import LightCondition, MeasureStatus, PlanStatus, Priority, WalkStatus
from walks.fields import NamedPlace, geometry
from walks.links import plan_url, protocol_url
from walks.measures.models import Measure
from walks.plans.models import ActionPlan
from walks.walks.models import Walk
from walks.walks.schemas import walk_read


class PublicWalk(BaseModel):
    """A walk as residents see it: an invitation, then a link to its protocol."""

    walk_id: uuid.UUID
    municipality_code: str
    locality: str
    title: str
    public_description: str | None
    area: geo.Polygon
    route: geo.LineString | None
    stops: list[NamedPlace]
    meeting_point: NamedPlace
    starts_at: datetime
    light_condition: LightCondition
    pre_meeting_date: date | None
    closing_meeting_date: date | None
    status: WalkStatus
    protocol_url: str | None
    public_url: str


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


def public_walk(walk: Walk, base: str) -> PublicWalk:
    published = walk.status in (WalkStatus.PROTOCOL_PUBLISHED, WalkStatus.FOLLOWED_UP)
    return PublicWalk.model_validate(
        {
            **walk_read(walk, base).model_dump(),
            "walk_id": walk.id,
            "protocol_url": protocol_url(base, walk.id) if published else None,
        }
    )


def public_plan(
    plan: ActionPlan, measures: list[Measure], base: str, protocol_published: bool
) -> PublicPlan:
    public_measures = [
        PublicMeasure.model_validate({**m.model_dump(), "responsible": m.responsible_name})
        for m in measures
    ]
    return PublicPlan.model_validate(
        {
            **plan.model_dump(exclude={"affected_area"}),
            "affected_area": geometry(plan.affected_area),
            "measures": public_measures,
            "protocol_url": (
                protocol_url(base, plan.walk_id) if plan.walk_id and protocol_published else None
            ),
            "public_url": plan_url(base, plan.id),
        }
    )
