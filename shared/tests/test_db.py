"""The services' engine: a pooled connection the server closed never reaches a request."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.settings import DatabaseSettings
from shared.testing import wait_until

pytestmark = pytest.mark.service

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
async def one_connection_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=db_url, pool_size=1, max_overflow=0))
    yield engine
    await engine.dispose()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    one_connection_engine: AsyncEngine, engine: AsyncEngine
) -> None:
    async with one_connection_engine.connect() as conn:
        first = (await conn.execute(BACKEND)).scalar_one()
        raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    # As a restart of PostgreSQL does to every connection, while this one waits in the pool.
    async with engine.connect() as admin:
        await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})

    async def noticed() -> bool:
        return bool(raw.is_closed())

    await wait_until(noticed, 10, "the client to notice the closed connection")
    async with one_connection_engine.connect() as conn:
        second = (await conn.execute(BACKEND)).scalar_one()
    assert second != first


async def test_checkout_asks_the_server_nothing(one_connection_engine: AsyncEngine) -> None:
    # A pre-ping would be a transaction of its own before every request's first statement.
    async with one_connection_engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    sent: list[str] = []
    raw.add_query_logger(lambda record: sent.append(record.query))
    async with one_connection_engine.connect() as conn:
        assert (await conn.get_raw_connection()).driver_connection is raw
    assert sent == []
