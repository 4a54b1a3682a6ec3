"""The transactional outbox: an event commits in the same transaction as the change it reports."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Text, func, insert, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import Contract, envelope
from shared.tracing import current_traceparent


class OutboxMessage(SQLModel, table=True):
    """One event waiting for (or past) publication. Column names follow Debezium's outbox."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_published_at", "published_at"),
    )

    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), primary_key=True),
    )
    id: uuid.UUID = Field(unique=True)
    aggregatetype: str
    aggregateid: str
    type: str
    payload: dict[str, object] = Field(sa_column=Column(JSONB, nullable=False))
    traceparent: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, sa_column=Column(Text))


def emit(session: AsyncSession, contract: Contract, traceparent: str | None = None) -> uuid.UUID:
    """Add the event to the caller's transaction. Does no I/O; the relay publishes it later.
    It carries `traceparent`, else the current span's, so the trace goes on where it is used."""
    row = _row(contract, traceparent or current_traceparent())
    session.add(OutboxMessage(**row))
    id_: uuid.UUID = row["id"]
    return id_


async def emit_many(
    session: AsyncSession, contracts: Sequence[Contract], traceparent: str | None = None
) -> list[uuid.UUID]:
    """Add many events to the caller's transaction in one statement: what `emit` writes for
    each, without an ORM object per row (a batch of thousands of outcomes stays cheap)."""
    traceparent = traceparent or current_traceparent()
    rows = [_row(contract, traceparent) for contract in contracts]
    if rows:
        conn = await session.connection()
        await conn.execute(insert(OutboxMessage.__table__), rows)  # type: ignore[attr-defined]
    return [row["id"] for row in rows]


def _row(contract: Contract, traceparent: str | None) -> dict[str, Any]:
    """The outbox row of one event: its CloudEvent whole, and the columns the relay keys on."""
    event = envelope(contract, traceparent)
    return {
        "id": uuid.UUID(event.id),
        "aggregatetype": contract.aggregate_type,
        "aggregateid": contract.aggregate_id(),
        "type": contract.wire_type,
        "payload": event.model_dump(mode="json", exclude_none=True),
        "traceparent": traceparent,
    }
