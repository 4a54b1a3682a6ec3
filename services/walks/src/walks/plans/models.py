"""The table of action plans. Geometry is PostGIS in WGS84; enumerations are checked text."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, moment_field
from walks.domain import PlanStatus


class ActionPlan(SQLModel, table=True):
    __tablename__ = "action_plan"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        Index("ix_action_plan_municipality", "municipality_code", "created_at"),
        Index("ix_action_plan_walk", "walk_id"),
        Index("ix_action_plan_area", "affected_area", postgresql_using="gist"),
    )

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
