"""The table of designated hot spots: grid squares staff chose from the ranking."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, json_field, moment_field


class HotSpot(SQLModel, table=True):
    __tablename__ = "hot_spot"
    __table_args__ = (
        # One active designation of a square at a time.
        Index(
            "uq_hot_spot_active_cell",
            "municipality_code",
            "cell_size_m",
            "cell_east",
            "cell_north",
            unique=True,
            postgresql_where=text("retired_at IS NULL"),
        ),
        Index("ix_hot_spot_area", "area", postgresql_using="gist"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    name: str
    # The square: its size and south-west corner in SWEREF 99 TM metres, and its WGS84 polygon.
    cell_size_m: int
    cell_east: int
    cell_north: int
    area: Any = geometry_field("POLYGON")
    locality: str | None = None
    reason: str
    period_start: date
    period_end: date
    # The ranking the choice was made from: counts, Gi* z-score and pseudo p-value.
    ranking: dict[str, Any] = json_field(dict)
    designated_by: str
    designated_at: datetime = moment_field(nullable=False)
    retired_at: datetime | None = moment_field()
    retired_by: str | None = None
    retire_reason: str | None = None
