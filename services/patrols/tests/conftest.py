"""Fixtures of the patrols tests: a migrated patrols_test database, the app, a rolled-back
session."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from patrols_testkit import Api
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.app import create_app
from patrols.config import PublicSettings, Settings
from shared.fixtures import client, engine, session
from shared.settings import DatabaseSettings
from shared.testing import NO_BROKER, TestStack, migrate, recreate_database


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "patrols_test")
    await migrate("patrols", url)
    return url


@pytest.fixture(scope="session")
def settings(db_url: str) -> Settings:
    return Settings(
        db=DatabaseSettings(url=db_url, pool_size=2, max_overflow=2),
        kafka=NO_BROKER,  # the service tier never needs Kafka
        # The suite reads public pages far more often than a resident would.
        public=PublicSettings(rate_per_minute=10_000),
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()


@pytest.fixture
def api(client: httpx.AsyncClient, session: AsyncSession) -> Api:
    return Api(client, session)


__all__ = ["client", "engine", "session"]  # shared fixtures, used by name
