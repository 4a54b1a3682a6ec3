"""Alembic environment of the tips service: its own history, its own database, and every
table it has as the metadata to compare with (`alembic revision --autogenerate`)."""

from shared.alembic_env import run_migrations
from tips.config import Settings
from tips.tables import metadata

run_migrations(Settings().db.url, metadata())
