"""Request and response models of protocols."""

import uuid

from pydantic import BaseModel, ConfigDict

from shared import geo
from shared.dates import StoredMoment
from walks import examples
from walks.domain import (
    LightCondition,
    ObservedLight,
    ParticipantRole,
    Perspective,
    Sentiment,
    Severity,
    WalkStatus,
)
from walks.fields import Input, LongText, NamedPlace


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
    observed_at: StoredMoment | None


class PublicProtocol(BaseModel):
    """A walk's protocol as anyone may read it: no names, no contact details."""

    walk_id: uuid.UUID
    municipality_code: str
    locality: str
    title: str
    starts_at: StoredMoment
    conducted_at: StoredMoment
    light_condition: LightCondition
    area: geo.Polygon
    route: geo.LineString | None
    stops: list[NamedPlace]
    participants_by_role: dict[ParticipantRole, int]
    observations: list[ProtocolObservation]
    summary: str | None
    closing_meeting_notes: str | None
    published_at: StoredMoment | None
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
