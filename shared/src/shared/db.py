"""The async database engine, sessions, and the request dependency that owns the transaction."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import MetaData, Table, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.settings import DatabaseSettings

# Explicit constraint names, so Alembic migrations can refer to them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING
metadata: MetaData = SQLModel.metadata
# Tables of the shared library that only some services have (idempotency keys, rate limits):
# kept out of SQLModel's metadata, which holds what every importing process has.
optional_tables = MetaData(naming_convention=NAMING)


def service_metadata(service: str, *optional: Table) -> MetaData:
    """Every table of one service's database, for Alembic and the schema test: the models of
    the service's own package, the outbox and the inbox, and the optional tables it has. (A
    process may hold several services' models, as the tests do; SQLModel's metadata holds all.)"""
    from shared.inbox import InboxMessage
    from shared.outbox import OutboxMessage

    combined = MetaData(naming_convention=NAMING)
    for model in [OutboxMessage, InboxMessage, *_models_of(service)]:
        model.__table__.to_metadata(combined)  # type: ignore[attr-defined]
    for table in optional:
        table.to_metadata(combined)
    return combined


def _models_of(service: str) -> list[type[SQLModel]]:
    found, pending = [], list(SQLModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if hasattr(model, "__table__") and model.__module__.split(".")[0] == service:
            found.append(model)
    return found


Sessionmaker = async_sessionmaker[AsyncSession]


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    engine = create_async_engine(
        settings.url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_recycle=settings.pool_recycle_s,
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection the server closed (a restart, a terminated backend) is replaced
    before a request gets it. asyncpg learns of the closed socket as it happens, so this costs
    no round trip, where a pre-ping cost three (BEGIN, a query, ROLLBACK) on every checkout. A
    connection lost in the middle of a request still fails that request, and the pool then
    replaces every connection older than the failure."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed the connection")


def create_sessionmaker(engine: AsyncEngine) -> Sessionmaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def asyncpg_dsn(url: str) -> str:
    """The same database URL in the form asyncpg itself accepts."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: Sessionmaker = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        # Commit before the response is sent, so a failed commit reaches the client.
        await session.commit()


get_session = _request_session
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
