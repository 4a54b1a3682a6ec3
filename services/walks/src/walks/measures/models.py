"""The table of measures; enumerations are checked text."""

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field
from walks.domain import MeasureStatus


class Measure(SQLModel, table=True):
    __tablename__ = "measure"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        Index("ix_measure_plan", "plan_id"),
        # Overdue lists: open measures by deadline.
        Index(
            "ix_measure_open_due",
            "due_date",
            postgresql_where=text("status IN ('proposed', 'accepted', 'in_progress')"),
        ),
        Index("ix_measure_responsible", "responsible_key"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("action_plan.id", ondelete="CASCADE"), nullable=False)
    )
    title: str
    description: str | None = None
    # The organisation's natural key (`org:NNNNNN-NNNN` or `dept:<municipality>:<code>`).
    responsible_key: str
    responsible_name: str
    priority: str
    due_date: date | None = None
    category: str | None = None
    status: str = MeasureStatus.PROPOSED
    status_reason: str | None = None
    status_changed_at: datetime | None = moment_field()
    observation_ids: list[str] = json_field(list)
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)
