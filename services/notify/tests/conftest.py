"""Fixtures of the notify tests: a migrated notify_test database, the app, a rolled-back session."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from notify.app import create_app
from notify.config import DispatcherSettings, PublicSettings, Settings, WebhookSettings
from shared.fixtures import client, engine, session
from shared.settings import DatabaseSettings
from shared.testing import (
    NO_BROKER,
    TestStack,
    migrate,
    recreate_database,
)

NOTIFY_TABLES = (
    "subscription, stakeholder, stakeholder_contact, webhook, message, notification, "
    "delivery_attempt, cap_alert, rate_limit, idempotency_key, outbox, inbox, round_place_told"
)


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "notify_test")
    await migrate("notify", url)
    return url


@pytest.fixture(scope="session")
def settings(db_url: str, stack: TestStack) -> Settings:
    return Settings(
        db=DatabaseSettings(url=db_url, pool_size=3, max_overflow=2),
        kafka=NO_BROKER,  # the service tier never needs Kafka
        public=PublicSettings(base_url="https://trygg.example.se/notify", rate_per_minute=10_000),
        webhooks=WebhookSettings(schemes=["http", "https"]),
        dispatcher=DispatcherSettings(
            backoff_initial_s=0.05, backoff_max_s=0.2, poll_interval_s=0.05, max_attempts=4
        ),
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def clean(engine: AsyncEngine) -> AsyncIterator[None]:
    """For tests that commit for real (the dispatcher owns its transactions): empty tables
    before, and after, so the rolled-back tests that follow start from nothing too."""
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {NOTIFY_TABLES}"))
    yield
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {NOTIFY_TABLES}"))


__all__ = ["client", "engine", "session"]  # shared fixtures, used by name
