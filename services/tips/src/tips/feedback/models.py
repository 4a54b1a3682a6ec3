"""The table of messages owed to tipsters who left contact details, until notify has them."""

import uuid
from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class TipFeedback(SQLModel, table=True):
    """An acknowledgement or a closing message, written in the transaction of what caused it
    and handed to notify by the worker, with its id as the Idempotency-Key: never lost, and
    never sent twice however often the hand-over is retried."""

    __tablename__ = "tip_feedback"
    __table_args__ = (
        Index("ix_tip_feedback_pending", "created_at", postgresql_where=text("sent_at IS NULL")),
        Index("uq_tip_feedback_tip_kind", "tip_id", "kind", unique=True),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    kind: str  # acknowledgement | closing
    created_at: datetime = moment_field(nullable=False)
    sent_at: datetime | None = moment_field()
    attempts: int = 0
    # When the worker may try (again): NULL for a new row, due at once. While a worker hands
    # the row over it holds a lease here, so another worker leaves it alone.
    next_attempt_at: datetime | None = moment_field()
    last_error: str | None = None
    notify_message_id: uuid.UUID | None = None
