"""The table of citizen dialogues (medborgardialoger) whose input is recorded as tips."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, moment_field


class Dialogue(SQLModel, table=True):
    __tablename__ = "dialogue"
    __table_args__ = (Index("ix_dialogue_municipality_held", "municipality_code", "held_on"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    title: str
    held_on: date
    locality: str | None = None
    location: Any = geometry_field("POINT", nullable=True)
    attendees: int | None = None
    created_by: str
    created_at: datetime = moment_field(nullable=False)
