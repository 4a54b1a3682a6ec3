"""The table of tips' photos, stored after their metadata was stripped."""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from shared import db  # noqa: F401  (sets the constraint naming convention before any table)
from shared.columns import moment_field


class TipPhoto(SQLModel, table=True):
    __tablename__ = "tip_photo"
    __table_args__ = (Index("ix_tip_photo_tip", "tip_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tip_id: uuid.UUID = Field(foreign_key="tip.id")
    content_type: str
    width: int
    height: int
    # The re-encoded image: pixels only, no EXIF, GPS, XMP or camera data.
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = moment_field(nullable=False)
