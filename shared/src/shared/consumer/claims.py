"""The inbox claim of a whole batch in one statement.

The events' keys travel as three arrays, so the statement has one shape whatever the batch's
size: SQLAlchemy compiles it once and asyncpg prepares it once per connection, where a
multi-row VALUES list was compiled again for every batch."""

from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consumer.routes import EventMeta
from shared.inbox import InboxMessage

_CLAIM = text(
    f"INSERT INTO {InboxMessage.__tablename__} (source, id, type) "
    "SELECT * FROM unnest(CAST(:sources AS varchar[]), CAST(:ids AS varchar[]), "
    "CAST(:types AS varchar[])) "
    # The same event twice in one batch is claimed once: DO NOTHING skips the second row.
    "ON CONFLICT DO NOTHING RETURNING source, id"
)


async def claim(session: AsyncSession, events: Iterable[EventMeta]) -> set[tuple[str, str]]:
    """Insert the events' inbox rows; returns the keys that were new (the others were handled
    before, or are being handled by another member, whose commit this insert waits for)."""
    metas = list(events)
    if not metas:
        return set()
    # On the session's connection, past the ORM's execute path: a plain statement needs none.
    conn = await session.connection()
    result = await conn.execute(
        _CLAIM,
        {
            "sources": [m.source for m in metas],
            "ids": [m.id for m in metas],
            "types": [m.type for m in metas],
        },
    )
    return {(source, id_) for source, id_ in result.all()}
