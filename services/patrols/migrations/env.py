"""Alembic environment of the patrols service: its own history, its own database."""

from patrols.config import Settings
from shared.alembic_env import run_migrations
from shared.db import metadata

run_migrations(Settings().db.url, metadata)
