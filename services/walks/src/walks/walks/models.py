"""The table of walks. Geometry is PostGIS in WGS84; enumerations are checked text."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import AwareDateTime, geometry_field, json_field, moment_field
from walks.domain import WalkStatus


class Walk(SQLModel, table=True):
    __tablename__ = "walk"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        Index("ix_walk_municipality_starts", "municipality_code", "starts_at"),
        Index("ix_walk_area", "area", postgresql_using="gist"),
        Index("ix_walk_follows_up", "follows_up_walk_id"),
    )

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
