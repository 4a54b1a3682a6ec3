"""Fixtures of the walks tests: a migrated walks_test database, the app, a rolled-back session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.fixtures import client, engine, session
from shared.settings import DatabaseSettings
from shared.testing import (
    NO_BROKER,
    TestStack,
    api_client,
    migrate,
    recreate_database,
)
from walks.app import create_app
from walks.config import PublicSettings, Settings
from walks_testkit import HOME, HOME_CONTACT, NOTIFY, Api


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "walks_test")
    await migrate("walks", url)
    return url


@pytest.fixture(scope="session")
def settings(db_url: str, stack: TestStack) -> Settings:
    return Settings(
        db=DatabaseSettings(url=db_url, pool_size=2, max_overflow=2),
        kafka=NO_BROKER,  # the service tier never needs Kafka
        public_base_url="https://trygg.example.se/walks",
        notify_public_base_url=NOTIFY,
        public=PublicSettings(rate_per_minute=10_000, contacts={HOME: HOME_CONTACT}),
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def committing_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Requests in their own committed transactions, as in production; their rows stay."""
    app.dependency_overrides.clear()
    async with api_client(app) as client:
        yield client


@pytest.fixture
def api(client: httpx.AsyncClient, session: AsyncSession) -> Api:
    return Api(client, session)


__all__ = ["client", "engine", "session"]  # shared fixtures, used by name
