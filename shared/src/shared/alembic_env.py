"""The body of every service's Alembic env.py: run its migrations over asyncpg."""

import asyncio

from alembic import context
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine


def run_migrations(url: str, metadata: MetaData) -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, metadata))


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_migrate, metadata)
        await conn.commit()
    await engine.dispose()


def _migrate(conn: Connection, metadata: MetaData) -> None:
    context.configure(connection=conn, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
