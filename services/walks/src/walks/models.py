"""The walks service's tables. Geometry is PostGIS in WGS84; enumerations are checked text."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import AwareDateTime, geometry_field, json_field, moment_field
from walks.domain import MeasureStatus, PlanStatus, WalkStatus


class Walk(SQLModel, table=True):
    __tablename__ = "walk"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    locality: str
    title: str
    public_description: str | None = None
    area: Any = geometry_field("POLYGON")
    route: Any = geometry_field("LINESTRING", nullable=True)
    stops: list[dict[str, Any]] = json_field(list)
    meeting_place: str
    meeting_point: Any = geometry_field("POINT")
    starts_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    light_condition: str
    pre_meeting_date: date | None = None
    closing_meeting_date: date | None = None
    status: str = WalkStatus.PLANNED
    follows_up_walk_id: uuid.UUID | None = Field(default=None, foreign_key="walk.id")
    conducted_at: datetime | None = moment_field()
    protocol_published_at: datetime | None = moment_field()
    followed_up_at: datetime | None = moment_field()
    created_by: str
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)


class Participant(SQLModel, table=True):
    __tablename__ = "participant"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    walk_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("walk.id", ondelete="CASCADE"), nullable=False)
    )
    role: str
    name: str | None = None
    organisation: str | None = None
    contact_consent: bool = False
    consent_recorded_at: datetime | None = moment_field()
    email: str | None = None
    phone: str | None = None
    created_at: datetime = moment_field(nullable=False)


class Observation(SQLModel, table=True):
    __tablename__ = "observation"

    # Chosen by the field app, so a retried upload finds what it already stored.
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    walk_id: uuid.UUID = Field(foreign_key="walk.id")
    location: Any = geometry_field("POINT")
    category: str
    sentiment: str
    severity: str | None = None
    description: str
    observed_at: datetime | None = moment_field()
    light: str | None = None
    perspectives: list[str] = json_field(list)
    photos: list[dict[str, Any]] = json_field(list)
    created_by: str
    created_at: datetime = moment_field(nullable=False)


class ObservationCategory(SQLModel, table=True):
    """A municipality's change to the default taxonomy: a new category, a new label, retired."""

    __tablename__ = "observation_category"

    municipality_code: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    label: str
    active: bool = True
    updated_at: datetime = moment_field(nullable=False)


class Protocol(SQLModel, table=True):
    """The public protocol of a walk as published: a snapshot, so later edits cannot change it."""

    __tablename__ = "protocol"

    walk_id: uuid.UUID = Field(primary_key=True, foreign_key="walk.id")
    summary: str
    closing_meeting_notes: str | None = None
    document: dict[str, Any] = json_field(dict)
    published_by: str
    published_at: datetime = moment_field(nullable=False)


class ActionPlan(SQLModel, table=True):
    __tablename__ = "action_plan"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    locality: str
    title: str
    public_summary: str
    walk_id: uuid.UUID | None = Field(default=None, foreign_key="walk.id")
    affected_area: Any = geometry_field("MULTIPOLYGON")
    buffer_m: int
    status: str = PlanStatus.DRAFT
    revision: int = 0
    revision_note: str | None = Field(default=None, sa_column=Column(Text))
    # What the last published or revised event told those affected, as a digest: a revision
    # that would tell them the same again is refused.
    announced_digest: str | None = None
    published_at: datetime | None = moment_field()
    revised_at: datetime | None = moment_field()
    withdrawn_at: datetime | None = moment_field()
    withdrawal_reason: str | None = None
    created_by: str
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)


class Measure(SQLModel, table=True):
    __tablename__ = "measure"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("action_plan.id", ondelete="CASCADE"), nullable=False)
    )
    title: str
    description: str | None = None
    # The organisation's natural key (`org:NNNNNN-NNNN` or `dept:<municipality>:<code>`).
    responsible_key: str
    responsible_name: str
    priority: str
    due_date: date | None = None
    category: str | None = None
    status: str = MeasureStatus.PROPOSED
    status_reason: str | None = None
    status_changed_at: datetime | None = moment_field()
    observation_ids: list[str] = json_field(list)
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)
