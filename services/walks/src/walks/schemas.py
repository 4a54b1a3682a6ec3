"""Request and response models of walks, participants, observations and protocols."""

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared import geo
from shared.pagination import Page
from walks import examples
from walks.domain import (
    CATEGORY_CODE,
    LightCondition,
    ObservedLight,
    ParticipantRole,
    Perspective,
    Sentiment,
    Severity,
    WalkStatus,
    local_date,
)

# PostgreSQL text cannot hold NUL; refuse it at the door rather than fail in the database.
NO_NUL = r"^[^\x00]*$"


def _text(max_length: int) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NO_NUL
    )


def _iso(kind: str, pattern: str) -> Any:
    """Dates as ISO 8601 text only: pydantic would also take 0 as 1970-01-01."""

    def check(value: Any) -> Any:
        if isinstance(value, date) or (isinstance(value, str) and re.match(pattern, value)):
            return value
        raise ValueError(f"expected an ISO 8601 {kind}")

    return BeforeValidator(check)


def no_default(schema: dict[str, Any]) -> None:
    """Keeps `default: null` out of a schema whose type does not allow null."""
    schema.pop("default", None)


def absent() -> Any:
    """A field that may be left out but, when given, may not be null (see `refuse_null`)."""
    return Field(default=None, json_schema_extra=no_default)


def refuse_null(value: Any) -> Any:
    """For an `absent()` field: runs only on values sent, so an explicit null is refused."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def located(field: str, message: str) -> ValidationError:
    """A model-level rule's error, reported at the field it is about."""
    error = InitErrorDetails(
        type=PydanticCustomError("value_error", message), loc=(field,), input=None
    )
    return ValidationError.from_exception_data("Input", [error])


Day = Annotated[date, _iso("date", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
# Stored and returned in UTC, so a created walk reads back exactly as it was answered.
Moment = Annotated[
    AwareDatetime,
    _iso("date-time", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}"),
    AfterValidator(lambda d: d.astimezone(UTC)),
]
Flag = Annotated[bool, Strict()]
ShortText = Annotated[str, _text(200)]
LongText = Annotated[str, _text(5000)]
MunicipalityCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["0683"])]
CategoryCode = Annotated[str, Field(pattern=CATEGORY_CODE, examples=["lighting"])]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 \-]{5,19}$")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamedPlace(BaseModel):
    """A place with a name people recognise: the meeting point, a stop on the route."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    location: geo.Point


class WalkDetails(Input):
    locality: ShortText = Field(examples=["Forsheda"])
    title: ShortText
    public_description: LongText | None = Field(
        default=None, description="Shown to residents in the invitation."
    )
    area: geo.Polygon = Field(description="The area the walk covers.")
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

    locality: ShortText | SkipJsonSchema[None] = absent()
    title: ShortText | SkipJsonSchema[None] = absent()
    public_description: LongText | None = None
    area: geo.Polygon | SkipJsonSchema[None] = absent()
    route: geo.LineString | None = None
    stops: Annotated[list[NamedPlace], Field(max_length=50)] | SkipJsonSchema[None] = absent()
    meeting_point: NamedPlace | SkipJsonSchema[None] = absent()
    starts_at: Moment | SkipJsonSchema[None] = absent()
    light_condition: LightCondition | SkipJsonSchema[None] = absent()
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
    email: Email | SkipJsonSchema[None] = absent()
    phone: Phone | SkipJsonSchema[None] = absent()
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


class PhotoReference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    caption: ShortText | None = None


class ObservationCreate(Input):
    """Something noted at a place: unsafe (negative) or safe and pleasant (positive)."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.OBSERVATION]})

    id: uuid.UUID | None = Field(
        default=None, description="Chosen by the client, so a retried upload is recognised."
    )
    location: geo.Point
    category: CategoryCode
    sentiment: Sentiment
    severity: Severity | None = Field(
        default=None, description="How serious an unsafe place is, or how strong a safe one."
    )
    description: Annotated[str, _text(2000)]
    observed_at: Moment | None = None
    light: ObservedLight | None = None
    perspectives: list[Perspective] = Field(default_factory=list, max_length=7)
    photos: list[PhotoReference] = Field(default_factory=list, max_length=10)

    @field_validator("perspectives")
    @classmethod
    def _distinct(cls, value: list[Perspective]) -> list[Perspective]:
        return list(dict.fromkeys(value))


class ObservationUpload(ObservationCreate):
    id: uuid.UUID = Field(description="Chosen by the field app; a retry reuses it.")


class ObservationBatch(Input):
    """Observations captured in the field, uploaded together; safe to send again."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.OBSERVATION_BATCH]})

    observations: list[ObservationUpload] = Field(min_length=1, max_length=500)

    @field_validator("observations")
    @classmethod
    def _unique_ids(cls, value: list[ObservationUpload]) -> list[ObservationUpload]:
        if len({o.id for o in value}) != len(value):
            raise ValueError("each observation in a batch needs its own id")
        return value


class BatchResult(BaseModel):
    created: list[uuid.UUID] = Field(description="Observations stored by this request.")
    already_stored: list[uuid.UUID] = Field(
        description="Observations an earlier upload stored; they were left as they were."
    )


class ObservationProperties(BaseModel):
    id: uuid.UUID
    walk_id: uuid.UUID
    category: str
    category_label: str
    sentiment: Sentiment
    severity: Severity | None
    description: str
    observed_at: datetime | None
    light: ObservedLight | None
    perspectives: list[Perspective]
    photos: list[PhotoReference]
    created_at: datetime


class ObservationFeature(geo.Feature[geo.Point, ObservationProperties]):
    """An observation as a GeoJSON Feature."""


class ObservationCollection(geo.FeatureCollection[ObservationFeature]):
    """Observations as a GeoJSON FeatureCollection, one page of them."""

    total: int
    limit: int
    offset: int
    next_offset: int | None


class CategoryRead(BaseModel):
    code: str
    label: str
    active: bool
    source: Literal["default", "municipality"]


class CategoryChange(Input):
    """A municipality's label for a category, or its retirement (active: false)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"label": "Belysning och ljus"}]})

    label: Annotated[str, _text(120)]
    active: Flag = True


class ProtocolPublish(Input):
    """The texts of the public protocol, reviewed to hold no personal data."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.PROTOCOL]})

    summary: LongText
    closing_meeting_notes: LongText | None = None


class ProtocolObservation(BaseModel):
    id: uuid.UUID
    location: geo.Point
    category: str
    category_label: str
    sentiment: Sentiment
    severity: Severity | None
    description: str
    light: ObservedLight | None
    perspectives: list[Perspective]
    observed_at: datetime | None


class PublicProtocol(BaseModel):
    """A walk's protocol as anyone may read it: no names, no contact details."""

    walk_id: uuid.UUID
    municipality_code: str
    locality: str
    title: str
    starts_at: datetime
    conducted_at: datetime
    light_condition: LightCondition
    area: geo.Polygon
    route: geo.LineString | None
    stops: list[NamedPlace]
    participants_by_role: dict[ParticipantRole, int]
    observations: list[ProtocolObservation]
    summary: str | None
    closing_meeting_notes: str | None
    published_at: datetime | None
    follows_up_walk_id: uuid.UUID | None
    public_url: str
    data_url: str


class ProtocolParticipant(BaseModel):
    role: ParticipantRole
    name: str | None
    organisation: str | None


class InternalProtocol(PublicProtocol):
    """The protocol with its participants by name, for the municipality and the police."""

    status: WalkStatus
    participants: list[ProtocolParticipant]


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
