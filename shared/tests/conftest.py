"""A database for the shared library's own tests: the outbox, the inbox and a probe table."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.inbox import InboxMessage
from shared.outbox import OutboxMessage
from shared.testing import TestStack, recreate_database

# The relay's wake-up call, as the services' first migration creates it.
WAKE_UP = (
    "CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('outbox', ''); RETURN NULL; END $$",
    "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
    "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()",
)
PROBE_TABLES = """
CREATE TABLE probe (id text PRIMARY KEY, note text NOT NULL);
CREATE TABLE probe_effect (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL, aggregate text NOT NULL, n integer NOT NULL);
"""


def _create_tables(conn: Connection) -> None:
    """The outbox and inbox from their models, and the probe tables the tests write to."""
    tables = [OutboxMessage.__table__, InboxMessage.__table__]  # type: ignore[attr-defined]
    OutboxMessage.metadata.create_all(conn, tables=tables)
    for statement in (*WAKE_UP, *PROBE_TABLES.split(";")):
        if statement.strip():
            conn.execute(text(statement))


@pytest.fixture(scope="session")
async def db_url(stack: TestStack) -> str:
    url = await recreate_database(stack, "shared_test")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_create_tables)
    await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(db_url, pool_size=5, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        yield session
        await session.close()
        await outer.rollback()


@pytest.fixture
async def clean_tables(engine: AsyncEngine) -> None:
    """Kafka-tier tests commit for real; each starts from empty tables."""
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, inbox, probe_effect"))
