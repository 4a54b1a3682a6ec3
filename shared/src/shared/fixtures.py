"""The pytest fixtures every service's test tier shares, on top of the two its conftest gives:
`db_url` (the migrated test database) and `app` (the service's app on it).

A conftest imports them by name: `from shared.fixtures import client, engine, session`.
"""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.testing import api_client, rolled_back_session, use_session


@pytest.fixture(scope="session")
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db_url, pool_size=3, pool_pre_ping=True)
    yield engine
    await engine.dispose()


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
