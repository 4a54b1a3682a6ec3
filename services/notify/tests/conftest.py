"""Fixtures of the notify tests: a migrated notify_test database, the app, a rolled-back session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.app import create_app
from notify.config import DispatcherSettings, PublicSettings, Settings, WebhookSettings
from shared.settings import DatabaseSettings
from shared.testing import (
    TestStack,
    api_client,
    migrate,
    recreate_database,
    rolled_back_session,
    use_session,
)

NOTIFY_TABLES = (
    "subscription, stakeholder, stakeholder_contact, webhook, message, notification, "
    "delivery_attempt, cap_alert, rate_limit, idempotency_key, outbox, inbox"
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
        kafka=stack.kafka_settings(),
        public=PublicSettings(base_url="https://trygg.example.se/notify", rate_per_minute=10_000),
        webhooks=WebhookSettings(schemes=["http", "https"]),
        dispatcher=DispatcherSettings(
            backoff_initial_s=0.05, backoff_max_s=0.2, poll_interval_s=0.05, max_attempts=4
        ),
    )


@pytest.fixture(scope="session")
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db_url, pool_size=3, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with rolled_back_session(engine) as session:
        yield session


@pytest.fixture
async def client(app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """Requests run in the test's session, so the test sees their rows and they vanish after."""
    use_session(app, session)
    async with api_client(app) as client:
        yield client
    app.dependency_overrides.clear()


@pytest.fixture
async def clean(engine: AsyncEngine) -> AsyncIterator[None]:
    """For tests that commit for real (the dispatcher owns its transactions): empty tables
    before, and after, so the rolled-back tests that follow start from nothing too."""
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {NOTIFY_TABLES}"))
    yield
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {NOTIFY_TABLES}"))
