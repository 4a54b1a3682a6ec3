"""Alembic environment of the notify service: its own history, its own database."""

from notify.config import Settings
from shared.alembic_env import run_migrations
from shared.db import metadata

run_migrations(Settings().db.url, metadata)
