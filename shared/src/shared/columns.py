"""Column fields the services' tables share: PostGIS geometry, moments, text lists, JSON."""

from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Column, DateTime, Dialect, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """`timestamptz` that always reads back timezone-aware.

    asyncpg reads `-infinity` and `infinity` as naive `datetime.min` and `datetime.max`; left
    naive, they would be rendered as local times and answered without a time zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def geometry_field(kind: str, nullable: bool = False) -> Any:
    """A WGS84 geometry; its GiST index is created by the migration, not by the model."""
    return Field(
        default=None,
        sa_column=Column(Geometry(kind, srid=4326, spatial_index=False), nullable=nullable),
    )


def moment_field(nullable: bool = True) -> Any:
    """A timezone-aware timestamp; a required one defaults to now."""
    if nullable:
        return Field(default=None, sa_column=Column(AwareDateTime()))
    return Field(default_factory=utcnow, sa_column=Column(AwareDateTime(), nullable=False))


def texts_field() -> Any:
    return Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))


def json_field(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSONB, nullable=False))
