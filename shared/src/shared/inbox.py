"""The inbox: one row per consumed event, so a redelivered event changes nothing."""

from datetime import datetime

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, func
from sqlmodel import Field, SQLModel


class InboxMessage(SQLModel, table=True):
    """An event this service has processed, keyed by its CloudEvents (source, id)."""

    __tablename__ = "inbox"
    __table_args__ = (PrimaryKeyConstraint("source", "id"),)

    source: str
    id: str
    type: str
    received_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
