"""The tables of patrol rounds (trygghetsrundor) and their visits to hot spots."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from patrols.hotspots import models as _hotspots  # noqa: F401  (a visit refers to its table)
from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class PatrolRound(SQLModel, table=True):
    """A unit's shift over hot spots. Who the unit is and its plan are police-only."""

    __tablename__ = "patrol_round"
    __table_args__ = (
        Index("ix_patrol_round_municipality_shift", "municipality_code", "shift_start"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    unit: str
    shift_start: datetime = moment_field(nullable=False)
    shift_end: datetime = moment_field(nullable=False)
    status: str = "planned"
    # The rules the plan was made under (dwell, revisit window, speed), and its random seed.
    rules: dict[str, Any] = json_field(dict)
    seed: int
    created_by: str
    created_at: datetime = moment_field(nullable=False)
    started_at: datetime | None = moment_field()
    completed_at: datetime | None = moment_field()


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_round", "round_id", "sequence"),
        Index("ix_visit_hot_spot", "hot_spot_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    round_id: uuid.UUID = Field(foreign_key="patrol_round.id")
    hot_spot_id: uuid.UUID = Field(foreign_key="hot_spot.id")
    sequence: int
    planned_arrival: datetime = moment_field(nullable=False)
    planned_departure: datetime = moment_field(nullable=False)
    status: str = "planned"
    checked_in_at: datetime | None = moment_field()
    checked_out_at: datetime | None = moment_field()
    activity: str | None = None
    # What was seen during the visit: category, note, and whether it became an incident.
    observations: list[dict[str, Any]] = json_field(list)
