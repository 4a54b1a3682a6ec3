"""Request and response models of residents' subscriptions (the public routes)."""

from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from notify.domain import Language, Topic
from notify.fields import Email, Input, MunicipalityCode, PersonalChannel, Phone, ShortText
from shared import geo


class PointPlace(Input):
    """A point and a radius around it: "within 500 m of my home"."""

    kind: Literal["point"]
    center: geo.Point
    radius_m: StrictInt = Field(default=300, ge=0, le=5000)


class AreaPlace(Input):
    """An area the resident drew on a map."""

    kind: Literal["area"]
    polygon: geo.AreaPolygon


class LocalityPlace(Input):
    """A named locality, such as Forsheda; `GET /localities` lists them."""

    kind: Literal["locality"]
    name: ShortText = Field(examples=["Forsheda"])
    municipality_code: MunicipalityCode | None = None


_PLACE_TAGS = {"point", "area", "locality"}


Place = Annotated[
    PointPlace | AreaPlace | LocalityPlace,
    Field(discriminator="kind"),
    geo.errors_at_the_field(_PLACE_TAGS),
]


# Local wall-clock time, HH:MM: a time zone or seconds would mean nothing here.
LocalTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class QuietHours(Input):
    """Hold messages between these local times (Europe/Stockholm); may span midnight."""

    start: LocalTime = Field(examples=["21:00"])
    end: LocalTime = Field(examples=["07:00"])

    def times(self) -> tuple[time, time]:
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


EXAMPLE: dict[str, Any] = {
    "email": "anna@example.se",
    "municipality_code": "0683",
    "language": "sv",
    "place": {
        "kind": "point",
        "center": {"type": "Point", "coordinates": [13.8241, 57.1619]},
        "radius_m": 500,
    },
    "topics": {
        "action_plans": "email",
        "walk_invitations": "email",
        "measures_done": "email",
        "patrol_feedback": "email",
        "promise": "email",
    },
    "quiet_hours": {"start": "21:00", "end": "07:00"},
}


class SubscriptionCreate(Input):
    """A resident's subscription: how to reach them, where, about what, and when not to."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    email: Email | None = None
    phone: Phone | None = None
    language: Language = Language.SV
    municipality_code: MunicipalityCode | None = Field(
        default=None,
        description="The municipality whose messages the resident consents to. Required for a "
        "point or an area; a named locality gives its own.",
    )
    place: Place
    topics: dict[Topic, PersonalChannel] = Field(
        min_length=1,
        description="The topics to hear about, each with its channel; a topic left out is not "
        "subscribed to. `GET /subscriptions/topics` names them for a form.",
    )
    quiet_hours: QuietHours | None = None


class SubscriptionAccepted(BaseModel):
    """The subscription waits for its confirmation link to be followed."""

    status: Literal["pending"] = "pending"
    detail: str


class TopicLabel(BaseModel):
    sv: str = Field(examples=["Trygghetsrundor"])
    en: str = Field(examples=["Safety patrols"])


class TopicRead(BaseModel):
    """A topic a resident can choose, with the name a form shows for it."""

    topic: Topic
    label: TopicLabel


class LocalityRead(BaseModel):
    name: str
    municipality_code: str
    municipality: str
    area: geo.Polygon
