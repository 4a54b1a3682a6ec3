"""Alembic environment of the tips service: its own history, its own database."""

from shared.alembic_env import run_migrations
from shared.db import metadata
from tips.config import Settings

run_migrations(Settings().db.url, metadata)
