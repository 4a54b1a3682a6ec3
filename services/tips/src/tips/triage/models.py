"""The tables of staff's internal notes on tips and of the audit log of restricted tips."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Identity, Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class TipNote(SQLModel, table=True):
    """An internal note; never shown to the tipster or the public."""

    __tablename__ = "tip_note"
    __table_args__ = (Index("ix_tip_note_tip", "tip_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    body: str
    author: str
    created_at: datetime = moment_field(nullable=False)


class TipAudit(SQLModel, table=True):
    """Who read or changed a tip and when: kept for every restricted tip, and for changes to
    any tip. It outlives the tip's content (it holds no content) and is never anonymised."""

    __tablename__ = "tip_audit"
    __table_args__ = (Index("ix_tip_audit_tip", "tip_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    tip_id: uuid.UUID
    municipality_code: str
    actor: str
    action: str
    detail: dict[str, Any] = json_field(dict)
    at: datetime = moment_field(nullable=False)
