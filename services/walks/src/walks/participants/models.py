"""The table of walks' participants."""

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class Participant(SQLModel, table=True):
    __tablename__ = "participant"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (Index("ix_participant_walk", "walk_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    walk_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("walk.id", ondelete="CASCADE"), nullable=False)
    )
    role: str
    name: str | None = None
    organisation: str | None = None
    contact_consent: bool = False
    consent_recorded_at: datetime | None = moment_field()
    email: str | None = None
    phone: str | None = None
    created_at: datetime = moment_field(nullable=False)
