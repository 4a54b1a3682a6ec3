"""The outbox row commits with the business row it reports, and disappears with it."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_sessionmaker
from shared.outbox import emit
from shared.testing import ProbeHappened, unique_name

pytestmark = pytest.mark.service


async def _counts(engine: AsyncEngine, probe_id: str) -> tuple[int, int]:
    async with engine.connect() as conn:
        business = (
            await conn.execute(text("SELECT count(*) FROM probe WHERE id = :i"), {"i": probe_id})
        ).scalar_one()
        events = (
            await conn.execute(
                text("SELECT count(*) FROM outbox WHERE aggregateid = :i"), {"i": probe_id}
            )
        ).scalar_one()
    return business, events


async def _change(engine: AsyncEngine, probe_id: str, *, fail: bool) -> None:
    async with create_sessionmaker(engine)() as session, session.begin():
        conn = await session.connection()
        await conn.execute(text("INSERT INTO probe (id, note) VALUES (:i, 'x')"), {"i": probe_id})
        emit(session, ProbeHappened(aggregate=probe_id, n=1))
        await session.flush()
        if fail:
            raise RuntimeError("the use case fails after writing")


class TestEmit:
    async def test_outbox_row_commits_with_the_business_row(self, engine: AsyncEngine) -> None:
        probe_id = unique_name("p")
        await _change(engine, probe_id, fail=False)
        assert await _counts(engine, probe_id) == (1, 1)

    async def test_rollback_removes_the_outbox_row_with_the_business_row(
        self, engine: AsyncEngine
    ) -> None:
        probe_id = unique_name("p")
        with pytest.raises(RuntimeError):
            await _change(engine, probe_id, fail=True)
        assert await _counts(engine, probe_id) == (0, 0)

    async def test_the_row_holds_a_cloudevent_keyed_by_the_aggregate(
        self, engine: AsyncEngine
    ) -> None:
        probe_id = unique_name("p")
        await _change(engine, probe_id, fail=False)
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT id, aggregatetype, type, payload, published_at FROM outbox "
                        "WHERE aggregateid = :i"
                    ),
                    {"i": probe_id},
                )
            ).one()
        assert row.aggregatetype == "probe"
        assert row.type == ProbeHappened.wire_type
        assert row.published_at is None
        assert row.payload["specversion"] == "1.0"
        assert row.payload["id"] == str(row.id)
        assert row.payload["subject"] == probe_id
        assert row.payload["data"] == {"aggregate": probe_id, "n": 1}
