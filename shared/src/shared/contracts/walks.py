"""Events the walks service publishes on trygg.walks.events.

Every payload carries the state a consumer needs to act (places as GeoJSON in WGS84, public
texts, links to public pages) and no personal data: no participant names, contacts or token
subjects. Walk and protocol events are keyed by the walk id; plan and measure events by the plan
id, so a measure's changes stay ordered after the plan's publication.
"""

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import Contract, register
from shared.geo import LineString, MultiPolygon, Point, Polygon

LightCondition = Literal["daylight", "after_dark"]
ObservedLight = Literal["daylight", "twilight", "dark"]
Sentiment = Literal["positive", "negative"]
Severity = Literal["low", "medium", "high"]
Priority = Literal["high", "medium", "low"]
MeasureStatus = Literal["proposed", "accepted", "in_progress", "done", "rejected"]
Perspective = Literal[
    "everyone", "women", "men", "children", "youth", "elderly", "people_with_disabilities"
]
ParticipantRole = Literal[
    "resident",
    "police",
    "municipal_official",
    "politician",
    "property_owner",
    "business",
    "school",
    "association",
    "youth",
]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamedPlace(_Part):
    """A place with a name people recognise, such as the meeting point or a stop on the route."""

    name: str
    location: Point


class ObservedPlace(_Part):
    """What was noted at a place during a walk, without its free text (not yet reviewed)."""

    observation_id: uuid.UUID
    location: Point
    category: str = Field(description="A code of the municipality's observation taxonomy.")
    sentiment: Sentiment
    severity: Severity | None = None
    light: ObservedLight | None = None
    perspectives: list[Perspective] = Field(default_factory=list)
    observed_at: AwareDatetime | None = None


class PublicObservation(ObservedPlace):
    """An observation as published in a walk's protocol, with its reviewed description."""

    category_label: str
    description: str


class ResponsibleOrganisation(_Part):
    """The organisation that answers for a measure, by a key every service can match on.

    `key` is `org:<organisation number NNNNNN-NNNN>` for any organisation (a housing company,
    a business, the police authority) or `dept:<municipality code>:<department code>` for a
    department within a municipality.
    """

    key: str
    name: str
    org_number: str | None = None
    municipality_code: str | None = None
    department_code: str | None = None


class PlanMeasure(_Part):
    """One measure of an action plan as residents and stakeholders may see it."""

    measure_id: uuid.UUID
    title: str
    description: str | None = None
    responsible: ResponsibleOrganisation
    priority: Priority
    due_date: date | None = None
    status: MeasureStatus
    status_reason: str | None = Field(
        default=None, description="Why the measure was rejected (or a note on its status)."
    )
    category: str | None = None


class _WalksContract(Contract):
    source: ClassVar[str] = "/walks"


class _WalkEvent(_WalksContract):
    aggregate_type: ClassVar[str] = "walk"

    walk_id: uuid.UUID
    municipality_code: str = Field(pattern=r"^[0-9]{4}$")
    locality: str

    def aggregate_id(self) -> str:
        return str(self.walk_id)


class _WalkInvitation(_WalkEvent):
    title: str
    public_description: str | None = None
    area: Polygon
    meeting_point: NamedPlace
    route: LineString | None = None
    stops: list[NamedPlace] = Field(default_factory=list)
    starts_at: AwareDatetime
    light_condition: LightCondition
    pre_meeting_date: date | None = None
    closing_meeting_date: date | None = None
    follows_up_walk_id: uuid.UUID | None = Field(
        default=None, description="The walk this one follows up, months after it."
    )
    public_url: str = Field(description="The walk's public page, for an invitation to link to.")


@register
class WalkScheduled(_WalkInvitation):
    """A safety walk (trygghetsvandring) was scheduled in a locality.

    Carries what an invitation to residents and local actors needs: where (locality, the area
    walked, the meeting point and the planned route), when (start time, daylight or after dark,
    the dates of the pre-meeting and the closing meeting) and a public page to link to.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.walk.scheduled.v1"


@register
class WalkRescheduled(_WalkInvitation):
    """A planned safety walk changed: its time, meeting point, route or area.

    Carries the walk's new state in full, as `walk.scheduled` does; whoever was invited to it
    should be told what changed.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.walk.rescheduled.v1"


@register
class WalkConducted(_WalkEvent):
    """A safety walk took place; what it found is final.

    Carries the places observed during the walk (unsafe and safe ones, by category and
    severity) so the shared situational picture can take them in. Free-text descriptions are
    left out until the protocol is reviewed and published (`protocol.published`).
    """

    wire_type: ClassVar[str] = "se.trygg.walks.walk.conducted.v1"

    area: Polygon
    conducted_at: AwareDatetime
    light_condition: LightCondition
    follows_up_walk_id: uuid.UUID | None = None
    participants_by_role: dict[ParticipantRole, int] = Field(
        description="How many took part, by role; never who."
    )
    observations: list[ObservedPlace]


@register
class ProtocolPublished(_WalkEvent):
    """The public protocol of a safety walk was published.

    Carries the protocol's summary and its observations as published (with their reviewed
    descriptions), and links to the readable page and to its JSON form. Participants appear
    only as counts by role.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.protocol.published.v1"

    title: str
    conducted_at: AwareDatetime
    light_condition: LightCondition
    summary: str
    participants_by_role: dict[ParticipantRole, int]
    observations: list[PublicObservation]
    published_at: AwareDatetime
    public_url: str = Field(description="The protocol's readable page (HTML, in Swedish).")
    data_url: str = Field(description="The same protocol as JSON.")


class _PlanState(_WalksContract):
    aggregate_type: ClassVar[str] = "action_plan"

    plan_id: uuid.UUID
    revision: int = Field(ge=1, description="1 when first published, one more at each revision.")
    municipality_code: str = Field(pattern=r"^[0-9]{4}$")
    locality: str
    title: str
    public_summary: str
    walk_id: uuid.UUID | None = Field(
        default=None, description="The walk the plan came from; null for a standalone plan."
    )
    affected_area: MultiPolygon
    buffer_m: int = Field(
        ge=0, description="Residents this many metres around the affected area are affected too."
    )
    measures: list[PlanMeasure]
    public_url: str = Field(description="The plan's public page.")

    def aggregate_id(self) -> str:
        return str(self.plan_id)


@register
class ActionPlanPublished(_PlanState):
    """An action plan (åtgärdsplan) was published.

    Event-carried state: everything needed to tell the affected residents and organisations
    without calling back: the title and public summary, the municipality and locality, the
    affected area with a buffer distance, each measure with its responsible organisation,
    priority and deadline, and the plan's public page.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.action_plan.published.v1"

    published_at: AwareDatetime


@register
class ActionPlanRevised(_PlanState):
    """A published action plan was revised; `revision` counts the versions published so far.

    Carries the plan's whole new state, as `action_plan.published` does, and a public note on
    what changed.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.action_plan.revised.v1"

    revised_at: AwareDatetime
    revision_note: str


@register
class ActionPlanWithdrawn(_PlanState):
    """A published action plan was withdrawn, with a public reason.

    Carries the plan's last state so whoever was told about it can be told it no longer holds.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.action_plan.withdrawn.v1"

    withdrawn_at: AwareDatetime
    reason: str


@register
class MeasureStatusChanged(_WalksContract):
    """A measure of a published action plan changed status.

    It was accepted, started, done, or rejected with a public reason. Keyed by the plan, so it
    arrives after the plan's publication. Carries the plan's affected area and buffer, so
    residents there can hear that, say, the lighting on Storgatan is fixed.
    """

    wire_type: ClassVar[str] = "se.trygg.walks.measure.status_changed.v1"
    aggregate_type: ClassVar[str] = "action_plan"

    plan_id: uuid.UUID
    plan_title: str
    municipality_code: str = Field(pattern=r"^[0-9]{4}$")
    locality: str
    measure: PlanMeasure
    previous_status: MeasureStatus
    changed_at: AwareDatetime
    affected_area: MultiPolygon
    buffer_m: int = Field(ge=0)
    public_url: str

    def aggregate_id(self) -> str:
        return str(self.plan_id)
