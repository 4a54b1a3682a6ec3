"""The tables of messaging: messages, their notifications, and every delivery attempt.

Enumerations are checked text, here as in the other packages' tables (places are PostGIS
geometry in WGS84). Personal data lives in three places only: `subscription` (a resident's
email, phone and place), `stakeholder_contact` (staff-managed contacts) and
`notification.address` (where a message went). Erasure clears all three; delivery statistics
stay without them.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class Message(SQLModel, table=True):
    """What one event (or one transactional send) tells people; one per event."""

    __tablename__ = "message"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: str
    event_type: str
    kind: str
    topic: str | None = None
    municipality_code: str | None = None
    subject: str
    plan_id: uuid.UUID | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_by: str | None = None
    created_at: datetime = moment_field(nullable=False)


class Notification(SQLModel, table=True):
    """One message to one recipient over one channel, and where its delivery stands."""

    __tablename__ = "notification"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: uuid.UUID  # no foreign key: see the migration
    event_id: str
    municipality_code: str | None = None
    recipient_kind: str
    recipient_id: uuid.UUID | None = None
    stakeholder_id: uuid.UUID | None = None
    channel: str
    address: str | None = None
    language: str
    status: str
    attempts: int = 0
    attempt_budget: int
    next_attempt_at: datetime | None = moment_field()
    last_error: str | None = None
    provider_ref: str | None = None
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)
    delivered_at: datetime | None = moment_field()


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("notification.id", ondelete="CASCADE"), nullable=False)
    )
    attempt: int
    outcome: str
    detail: str | None = None
    provider_ref: str | None = None
    started_at: datetime = moment_field(nullable=False)
    finished_at: datetime = moment_field(nullable=False)
