"""The tables of the stakeholder directory: organisations and their contacts."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, moment_field, texts_field


class Stakeholder(SQLModel, table=True):
    """An organisation with an area of responsibility: a school, a housing company, ..."""

    __tablename__ = "stakeholder"
    __table_args__ = (
        UniqueConstraint("municipality_code", "key", name="uq_stakeholder_municipality_key"),
        Index("ix_stakeholder_area", "area", postgresql_using="gist"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    key: str
    name: str
    kind: str
    categories: list[str] = texts_field()
    area: Any = geometry_field("MULTIPOLYGON", nullable=True)
    language: str
    created_by: str
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)


class StakeholderContact(SQLModel, table=True):
    __tablename__ = "stakeholder_contact"
    __table_args__ = (Index("ix_stakeholder_contact_stakeholder", "stakeholder_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    stakeholder_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("stakeholder.id", ondelete="CASCADE"), nullable=False)
    )
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    channel: str
    topics: list[str] = texts_field()
    opted_out_at: datetime | None = moment_field()
    created_at: datetime = moment_field(nullable=False)
