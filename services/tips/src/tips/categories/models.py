"""The table of each municipality's tip categories: a tree, with questions and notices."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import json_field, moment_field


class Category(SQLModel, table=True):
    """A category residents choose; its questions are asked on the form and in Open311."""

    __tablename__ = "category"

    municipality_code: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    # A category with a parent is a subcategory; the tree is at most two levels deep.
    parent_code: str | None = None
    name_sv: str
    name_en: str | None = None
    description_sv: str | None = None
    description_en: str | None = None
    # Shown above the form when the category is chosen (for example "for graffiti on
    # private walls, contact the owner").
    notice_sv: str | None = None
    notice_en: str | None = None
    # Set: submitting is blocked and the resident is sent to 112 or 114 14 instead.
    divert: str | None = None
    # Offence-related: its tips are restricted to police scopes (GDPR art. 10).
    restricted: bool = False
    position: int = 0
    active: bool = True
    questions: list[dict[str, Any]] = json_field(list)
    updated_at: datetime = moment_field(nullable=False)
