"""Fixtures of the tips tests: a migrated tips_test database, the app, a rolled-back session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import Api, personal_data_in_events

from shared.fixtures import client, engine
from shared.settings import DatabaseSettings
from shared.testing import NO_BROKER, TestStack, migrate, recreate_database, rolled_back_session
from tips.app import create_app
from tips.config import PublicSettings, Settings


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "tips_test")
    await migrate("tips", url)
    return url


def test_settings(db_url: str, **public: int) -> Settings:
    """Settings of a test app; its limits high enough that only a test of them meets them."""
    limits = {
        "submissions_per_minute": 100_000,
        "submissions_per_day": 1_000_000,
        "global_submissions_per_minute": 1_000_000,
        "reads_per_minute": 100_000,
        **public,
    }
    return Settings(
        db=DatabaseSettings(url=db_url, pool_size=2, max_overflow=2),
        kafka=NO_BROKER,  # the service tier never needs Kafka
        public_base_url="https://tips.example.se",
        public=PublicSettings(**limits),
    )


@pytest.fixture(scope="session")
def settings(db_url: str) -> Settings:
    return test_settings(db_url)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """The test's rolled-back session; at its end, every outbox row the test wrote is checked:
    tips events carry no free text, no contact and no exact point."""
    async with rolled_back_session(engine) as session:
        yield session
        assert await personal_data_in_events(session) == []


@pytest.fixture
def api(client: httpx.AsyncClient, session: AsyncSession) -> Api:
    return Api(client, session)


__all__ = ["client", "engine"]  # shared fixtures, used by name
