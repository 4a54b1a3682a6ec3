"""Fixtures of the walks tests: a migrated walks_test database, the app, a rolled-back session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.settings import DatabaseSettings
from shared.testing import (
    TestStack,
    api_client,
    migrate,
    recreate_database,
    rolled_back_session,
    use_session,
)
from walks.app import create_app
from walks.config import PublicSettings, Settings
from walks_testkit import Api


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "walks_test")
    await migrate("walks", url)
    return url


@pytest.fixture(scope="session")
def settings(db_url: str, stack: TestStack) -> Settings:
    return Settings(
        db=DatabaseSettings(url=db_url, pool_size=2, max_overflow=2),
        kafka=stack.kafka_settings(),
        public_base_url="https://trygg.example.se/walks",
        public=PublicSettings(rate_per_minute=10_000),
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
async def committing_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Requests in their own committed transactions, as in production; their rows stay."""
    app.dependency_overrides.clear()
    async with api_client(app) as client:
        yield client


@pytest.fixture
def api(client: httpx.AsyncClient, session: AsyncSession) -> Api:
    return Api(client, session)
