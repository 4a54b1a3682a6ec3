"""The table of incidents: what happened where and when, from every source."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, moment_field


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        # A source's id names one incident: a retried report or a redelivered event is the same.
        UniqueConstraint("municipality_code", "source", "external_id"),
        Index("ix_incident_municipality_occurred", "municipality_code", "occurred_at"),
        Index("ix_incident_location", "location", postgresql_using="gist"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    source: str
    external_id: str
    category: str
    occurred_at: datetime = moment_field(nullable=False)
    # A point, or the centre of the grid square a tip was coarsened to; none when only a
    # locality is known (such incidents count for the locality, not for any cell).
    location: Any = geometry_field("POINT", nullable=True)
    locality: str | None = None
    reported_by: str
    # Hash of what was reported, so a retry is told apart from another incident under the id.
    submission_hash: str
    created_at: datetime = moment_field(nullable=False)
