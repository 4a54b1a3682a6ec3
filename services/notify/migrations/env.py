"""Alembic environment of the notify service: its own history, its own database, and every
table it has as the metadata to compare with (`alembic revision --autogenerate`)."""

from notify.config import Settings
from notify.tables import metadata
from shared.alembic_env import run_migrations

run_migrations(Settings().db.url, metadata())
