"""The table of the CAP feed: every alert as it was published."""

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class CapAlert(SQLModel, table=True):
    """A published plan as a CAP 1.2 alert: Alert, then Update on revision, Cancel on withdrawal."""

    __tablename__ = "cap_alert"
    __table_args__ = (
        UniqueConstraint("identifier", name="cap_alert_identifier_key"),
        Index("ix_cap_alert_municipality_sent", "municipality_code", "sent"),
        Index("ix_cap_alert_plan", "plan_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    identifier: str
    municipality_code: str
    plan_id: uuid.UUID
    revision: int
    msg_type: str
    headline: str
    sent: datetime = moment_field(nullable=False)
    references: str | None = None
    document: str
