"""Request and response models of walks, and a walk read from its row."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from shared import geo
from shared.pagination import Page
from walks import examples
from walks.domain import (
    LightCondition,
    WalkStatus,
    local_date,
)
from walks.fields import (
    Day,
    Input,
    LongText,
    Moment,
    MunicipalityCode,
    NamedPlace,
    ShortText,
    absent,
    geometry,
    refuse_null,
)
from walks.links import walk_url
from walks.walks.models import Walk


class WalkDetails(Input):
    locality: ShortText = Field(examples=["Forsheda"])
    title: ShortText
    public_description: LongText | None = Field(
        default=None, description="Shown to residents in the invitation."
    )
    area: geo.AreaPolygon = Field(description="The area the walk covers.")
    route: geo.LineString | None = Field(default=None, description="The planned route.")
    stops: list[NamedPlace] = Field(default_factory=list, max_length=50)
    meeting_point: NamedPlace
    starts_at: Moment
    light_condition: LightCondition
    pre_meeting_date: Day | None = None
    closing_meeting_date: Day | None = None

    @field_validator("pre_meeting_date")
    @classmethod
    def _pre_meeting_first(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts_at = info.data.get("starts_at")
        if value and starts_at and value > local_date(starts_at):
            raise ValueError("the pre-meeting is held on or before the day of the walk")
        return value

    @field_validator("closing_meeting_date")
    @classmethod
    def _closing_meeting_last(cls, value: date | None, info: ValidationInfo) -> date | None:
        starts_at = info.data.get("starts_at")
        if value and starts_at and value < local_date(starts_at):
            raise ValueError("the closing meeting is held on or after the day of the walk")
        return value


class WalkCreate(WalkDetails):
    """A walk to schedule."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.WALK]})

    municipality_code: MunicipalityCode


class FollowUpWalkCreate(WalkDetails):
    """A follow-up walk, in the municipality of the walk it follows up."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.FOLLOW_UP_WALK]})


class WalkChange(Input):
    """Changes to a planned walk; fields left out stay as they are."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.WALK_CHANGE]})

    locality: ShortText | None = absent()
    title: ShortText | None = absent()
    public_description: LongText | None = None
    area: Annotated[geo.AreaPolygon | None, geo.errors_at_the_given_field()] = absent()
    route: geo.LineString | None = None
    stops: Annotated[list[NamedPlace], Field(max_length=50)] | None = absent()
    meeting_point: NamedPlace | None = absent()
    starts_at: Moment | None = absent()
    light_condition: LightCondition | None = absent()
    pre_meeting_date: Day | None = None
    closing_meeting_date: Day | None = None

    _not_null = field_validator(
        "locality", "title", "area", "stops", "meeting_point", "starts_at", "light_condition"
    )(refuse_null)


class WalkRead(BaseModel):
    """A walk as the municipality and the police see it."""

    id: uuid.UUID
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
    follows_up_walk_id: uuid.UUID | None
    conducted_at: datetime | None
    protocol_published_at: datetime | None
    followed_up_at: datetime | None
    created_at: datetime
    updated_at: datetime
    public_url: str


class WalkConduct(Input):
    """When the walk took place; now if left out."""

    conducted_at: Moment | None = None


WalkPage = Page[WalkRead]


def meeting_point(walk: Walk) -> NamedPlace:
    return NamedPlace(name=walk.meeting_place, location=geometry(walk.meeting_point))


def walk_read(walk: Walk, base: str) -> WalkRead:
    return WalkRead.model_validate(
        {
            **walk.model_dump(exclude={"area", "route", "meeting_point", "meeting_place"}),
            "area": geometry(walk.area),
            "route": geometry(walk.route),
            "meeting_point": meeting_point(walk),
            "public_url": walk_url(base, walk.id),
        }
    )
