"""The table of situation reports: a week's picture of a municipality, one row per version."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class SituationReport(SQLModel, table=True):
    __tablename__ = "situation_report"
    # A week's versions are numbered 1, 2, ...; a correction is the next number, never an edit.
    __table_args__ = (UniqueConstraint("municipality_code", "year", "week", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    year: int  # ISO year
    week: int  # ISO week
    version: int
    status: str = "draft"  # draft | approved
    text: str
    # The computed picture (schemas.WeekPicture), frozen as it was at approval.
    figures: dict[str, Any] = json_field(dict)
    # Counts below this are never shown outside the group.
    threshold: int
    created_by: str
    created_at: datetime = moment_field(nullable=False)
    approved_by: str | None = None
    approved_at: datetime | None = moment_field()
