"""Request and response models of walks and their participants."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared import geo
from shared.pagination import Page
from walks import examples
from walks.domain import (
    LightCondition,
    ParticipantRole,
    WalkStatus,
    local_date,
)
from walks.fields import (
    Day,
    Email,
    Input,
    LongText,
    Moment,
    MunicipalityCode,
    NamedPlace,
    Phone,
    ShortText,
    absent,
    refuse_null,
)


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


class ContactCreate(BaseModel):
    """How to reach a participant: kept only because they agreed to it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["email"]}, {"required": ["phone"]}]},
    )

    consent: Literal[True] = Field(
        description="The participant agreed to be contacted about this walk and its follow-up."
    )
    email: Email | None = absent()
    phone: Phone | None = absent()
    _not_null = field_validator("email", "phone")(refuse_null)

    @model_validator(mode="after")
    def _some_way_to_reach(self) -> "ContactCreate":
        if self.email is None and self.phone is None:
            raise ValueError("give an email address, a phone number or both")
        return self


class ParticipantCreate(Input):
    """Someone taking part, by role; a name only if they want it in the internal protocol."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PARTICIPANT]})

    role: ParticipantRole
    name: ShortText | None = None
    organisation: ShortText | None = None
    contact: ContactCreate | None = Field(
        default=None, description="Only with the participant's consent; erased on withdrawal."
    )


class ContactRead(BaseModel):
    email: str | None
    phone: str | None
    consent_recorded_at: datetime


class ParticipantRead(BaseModel):
    id: uuid.UUID
    walk_id: uuid.UUID
    role: ParticipantRole
    name: str | None
    organisation: str | None
    contact: ContactRead | None
    created_at: datetime


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


WalkPage = Page[WalkRead]
ParticipantPage = Page[ParticipantRead]
