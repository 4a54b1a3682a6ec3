"""The table of published protocols."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class Protocol(SQLModel, table=True):
    """The public protocol of a walk as published: a snapshot, so later edits cannot change it."""

    __tablename__ = "protocol"

    walk_id: uuid.UUID = Field(primary_key=True, foreign_key="walk.id")
    summary: str
    closing_meeting_notes: str | None = None
    document: dict[str, Any] = json_field(dict)
    published_by: str
    published_at: datetime = moment_field(nullable=False)
