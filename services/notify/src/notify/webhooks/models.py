"""The table of integrators' webhooks."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field, texts_field


class Webhook(SQLModel, table=True):
    """An integrator's subscription to event types, delivered as signed POSTs."""

    __tablename__ = "webhook"
    __table_args__ = (Index("ix_webhook_municipality", "municipality_code"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    url: str
    event_types: list[str] = texts_field()
    description: str | None = None
    secret: str
    active: bool = True
    created_by: str
    created_at: datetime = moment_field(nullable=False)
