"""The table of residents' subscriptions: who, where, about what, and in which state."""

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import Column, Index, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, moment_field


class Subscription(SQLModel, table=True):
    """A resident's consented subscription to news about a place."""

    __tablename__ = "subscription"
    __table_args__ = (
        Index("ix_subscription_reach", "reach", postgresql_using="gist"),
        Index("ix_subscription_email", "email"),
        Index("ix_subscription_phone", "phone"),
        Index("ix_subscription_status_created", "status", "created_at"),
        # One subscription per person, place and municipality.
        Index(
            "uq_subscription_person_place",
            text("coalesce(municipality_code, '')"),
            text("coalesce(email, '')"),
            text("coalesce(phone, '')"),
            "place_kind",
            "radius_m",
            text("md5(ST_AsEWKB(place))"),
            unique=True,
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str | None = None
    phone: str | None = None
    language: str
    status: str
    place_kind: str
    place: Any = geometry_field("GEOMETRY")
    radius_m: int = 0
    reach: Any = geometry_field("POLYGON")
    locality: str | None = None
    municipality_code: str | None = None
    # Topic -> channel; a topic left out is not subscribed to.
    channels: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    quiet_start: time | None = None
    quiet_end: time | None = None
    created_at: datetime = moment_field(nullable=False)
    confirmed_at: datetime | None = moment_field()
    unsubscribed_at: datetime | None = moment_field()
