"""Alembic environment of the walks service: its own history, its own database, and every
table it has as the metadata to compare with (`alembic revision --autogenerate`)."""

from shared.alembic_env import run_migrations
from walks.config import Settings
from walks.tables import metadata

run_migrations(Settings().db.url, metadata())
