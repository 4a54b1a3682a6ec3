"""The tables of messaging: messages, their notifications, and every delivery attempt.

Enumerations are checked text, here as in the other packages' tables (places are PostGIS
geometry in WGS84). Personal data lives in three places only: `subscription` (a resident's
email, phone and place), `stakeholder_contact` (staff-managed contacts) and
`notification.address` (where a message went). Erasure clears all three; delivery statistics
stay without them.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Identity,
    Index,
    PrimaryKeyConstraint,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class Message(SQLModel, table=True):
    """What one event (or one transactional send) tells people; one per event."""

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_message_event_id"),
        Index("ix_message_plan", "plan_id"),
        Index("ix_message_subject", "subject"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: str
    event_type: str
    kind: str
    topic: str | None = None
    municipality_code: str | None = None
    subject: str
    plan_id: uuid.UUID | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    # What residents' messages are rendered from where they are told less than the event
    # says (a round's places not told of before that day); null: the event's own data.
    told_data: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB(none_as_null=True))
    )
    created_by: str | None = None
    created_at: datetime = moment_field(nullable=False)


class Notification(SQLModel, table=True):
    """One message to one recipient over one channel, and where its delivery stands."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "recipient_id", "channel", name="uq_notification_event_recipient_channel"
        ),
        # One notification per address and channel of an event (webhooks are per subscription).
        Index(
            "uq_notification_event_channel_address",
            "event_id",
            "channel",
            "address",
            unique=True,
            postgresql_where=text("recipient_kind <> 'webhook'"),
        ),
        Index(
            "ix_notification_due",
            "next_attempt_at",
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index("ix_notification_message_status", "message_id", "status"),
        Index("ix_notification_recipient", "recipient_id"),
        Index(
            "ix_notification_stakeholder",
            "stakeholder_id",
            postgresql_where=text("stakeholder_id IS NOT NULL"),
        ),
        Index("ix_notification_address", "address"),
    )

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
    # The trace it was created in (W3C traceparent): its delivery's span continues it.
    traceparent: str | None = None
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)
    delivered_at: datetime | None = moment_field()


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"
    __table_args__ = (Index("ix_delivery_attempt_notification", "notification_id"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    notification_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("notification.id", ondelete="CASCADE"), nullable=False)
    )
    attempt: int
    outcome: str
    detail: str | None = None
    provider_ref: str | None = None
    started_at: datetime = moment_field(nullable=False)
    finished_at: datetime = moment_field(nullable=False)


class RoundPlaceTold(SQLModel, table=True):
    """A hot spot whose residents were told of a patrol round on a day: at most once a day.

    The first round of the day to reach the consumer claims the place; later rounds that day
    at the same place tell no one of it again.
    """

    __tablename__ = "round_place_told"
    __table_args__ = (PrimaryKeyConstraint("municipality_code", "hot_spot_id", "day"),)

    municipality_code: str
    hot_spot_id: uuid.UUID
    day: date
    event_id: str  # the round's event that told of it
    created_at: datetime = moment_field(nullable=False)
