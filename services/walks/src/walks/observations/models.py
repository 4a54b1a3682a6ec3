"""The tables of observations and of each municipality's observation categories."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, json_field, moment_field


class Observation(SQLModel, table=True):
    __tablename__ = "observation"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        Index("ix_observation_walk", "walk_id"),
        Index("ix_observation_location", "location", postgresql_using="gist"),
    )

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
