"""The tables of tips and of the contact details a few tipsters leave, kept apart."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, text
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import geometry_field, json_field, moment_field
from tips.dialogues import models as _dialogues  # noqa: F401  (a tip refers to their tables)
from tips.reporters import models as _reporters  # noqa: F401


class Tip(SQLModel, table=True):
    __tablename__ = "tip"
    # As the migrations create them; the schema test holds the two equal.
    __table_args__ = (
        ForeignKeyConstraint(
            ["municipality_code", "category_code"], ["category.municipality_code", "category.code"]
        ),
        Index("ix_tip_municipality_created", "municipality_code", "created_at"),
        Index("ix_tip_location", "location", postgresql_using="gist"),
        Index("ix_tip_closed_at", "closed_at", postgresql_where=text("anonymised_at IS NULL")),
    )

    # Chosen by the client when it wants to retry safely: the same id creates nothing twice.
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    municipality_code: str
    category_code: str
    source: str
    description: str | None = None
    # The description as staff moderated it: what may be shared or published.
    redacted_description: str | None = None
    answers: dict[str, Any] = json_field(dict)
    location: Any = geometry_field("POINT", nullable=True)
    address: str | None = None
    address_id: str | None = None
    locality: str | None = None
    occurred_at: datetime | None = moment_field()
    language: str = "sv"
    reporter_id: uuid.UUID | None = Field(default=None, foreign_key="reporter.id")
    organisation_key: str | None = None
    organisation_name: str | None = None
    dialogue_id: uuid.UUID | None = Field(default=None, foreign_key="dialogue.id")
    status: str = "received"
    outcome: str | None = None
    public_note: str | None = None
    assigned_to: str | None = None
    restricted: bool = False
    duplicate_of: uuid.UUID | None = None
    # Hash of what was submitted, so a retry with the same id is told apart from a clash.
    submission_hash: str | None = None
    created_at: datetime = moment_field(nullable=False)
    updated_at: datetime = moment_field(nullable=False)
    closed_at: datetime | None = moment_field()
    anonymised_at: datetime | None = moment_field()


class TipContact(SQLModel, table=True):
    """How to reach a tipster who asked to be told, with the consent they gave; never in an
    event, a log or a public view, and deleted when the tip is anonymised."""

    __tablename__ = "tip_contact"

    tip_id: uuid.UUID = Field(foreign_key="tip.id", primary_key=True)
    email: str | None = None
    phone: str | None = None
    consent_text: str
    consented_at: datetime = moment_field(nullable=False)
