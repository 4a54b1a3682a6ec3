"""The tables of citizens' promises (medborgarlöften): the promise, its commitments, what was
counted towards them, and the follow-ups published."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class Promise(SQLModel, table=True):
    """What the municipality and the police area promise residents for a period."""

    __tablename__ = "promise"
    __table_args__ = (Index("ix_promise_municipality_period", "municipality_code", "period_start"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    police_area: str
    title: str
    period_start: date
    period_end: date
    focus_areas: list[str] = json_field(list)
    status: str = "draft"
    signed_at: datetime | None = moment_field()
    created_by: str
    created_at: datetime = moment_field(nullable=False)


class Commitment(SQLModel, table=True):
    """One thing promised, and how its progress is counted (`indicator`, `params`)."""

    __tablename__ = "commitment"
    __table_args__ = (Index("ix_commitment_promise", "promise_id", "position"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    promise_id: uuid.UUID = Field(foreign_key="promise.id")
    title: str
    description: str | None = None
    indicator: str
    params: dict[str, Any] = json_field(dict)
    target: int | None = None
    position: int


class PromiseActivity(SQLModel, table=True):
    """One contribution to a commitment: a walk held, a round done, a week approved, or an
    amount staff recorded by hand. The key names what was counted (the walk, the dialogue, the
    week), so a redelivered event or a second event about the same thing adds nothing."""

    __tablename__ = "promise_activity"
    __table_args__ = (
        UniqueConstraint("commitment_id", "key"),
        Index("ix_promise_activity_commitment_occurred", "commitment_id", "occurred_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    commitment_id: uuid.UUID = Field(foreign_key="commitment.id")
    key: str
    event_id: str | None = None
    kind: str
    occurred_at: datetime = moment_field(nullable=False)
    title: str
    link: str | None = None
    amount: int
    created_at: datetime = moment_field(nullable=False)


class FollowUp(SQLModel, table=True):
    """A published follow-up: each commitment's figure when it was made."""

    __tablename__ = "promise_follow_up"
    __table_args__ = (Index("ix_promise_follow_up_promise", "promise_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    promise_id: uuid.UUID = Field(foreign_key="promise.id")
    summary: str | None = None
    figures: list[dict[str, Any]] = json_field(list)
    created_by: str
    created_at: datetime = moment_field(nullable=False)
