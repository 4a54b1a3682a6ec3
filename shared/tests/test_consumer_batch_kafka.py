"""The consumer's batch routes against the real broker: a poison record among good ones, the
database lost in the middle of a batch, a batch delivered twice."""

import asyncio
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from backbone import new_topic, produce_raw, scalar, wait_drained
from shared import dead_letters
from shared.consumer import Batch, BatchHandler, ConsumerRunner, Received
from shared.db import create_sessionmaker
from shared.kafka import create_topics
from shared.settings import ConsumerSettings, dead_letter_topic
from shared.testing import (
    ProbeHappened,
    TestStack,
    probe_record,
    read_topic,
    record_probes,
    running,
    unique_name,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]


async def batch_consumer_for(
    stack: TestStack, engine: AsyncEngine, topic: str, handler: BatchHandler = record_probes
) -> ConsumerRunner:
    """A consumer whose probe route takes whole batches."""
    service = unique_name("batch")
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    return ConsumerRunner(
        service,
        [topic],
        {ProbeHappened.wire_type: Batch(handler)},
        create_sessionmaker(engine),
        stack.kafka_settings(send_timeout_s=5.0, stop_timeout_s=5.0),
        ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
    )


async def effects_of(engine: AsyncEngine, aggregate: str) -> list[int]:
    """The aggregate's probe numbers in the order their effects were committed."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT n FROM probe_effect WHERE aggregate = :a ORDER BY seq"), {"a": aggregate}
        )
        return [n for (n,) in rows.all()]


async def test_a_poison_record_in_a_batch_is_dead_lettered_and_the_others_take_effect_once(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.batchpoison.")
    # All on one key, so on one partition and in one batch: the consumer starts after them.
    numbers = [*range(1, 11), -1, *range(11, 21)]
    records = [(b"b", probe_record("b", n)) for n in numbers]
    records.insert(5, (b"b", b"not an event"))
    await produce_raw(stack, topic, records)
    consumer = await batch_consumer_for(stack, engine, topic)
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
    letters = await read_topic(
        stack.bootstrap, dead_letter_topic(consumer.service), 2, partitions=1
    )
    headers = [dict(r.headers) for r in letters]
    assert [h[dead_letters.ERROR_TYPE] for h in headers] == [b"InvalidEvent", b"ValueError"]
    assert [int(h[dead_letters.ORIGINAL_OFFSET]) for h in headers] == [5, 11]
    assert b"negative" in headers[1][dead_letters.ERROR]
    # Every good record once, in the order produced; the poison left no inbox row.
    assert await effects_of(engine, "b") == list(range(1, 21))
    assert await scalar(engine, "SELECT count(*) FROM inbox") == 20


def _metric(name: str, service: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": service}) or 0.0


async def test_the_database_lost_in_the_middle_of_a_batch_retries_the_same_records(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.batchpgstop.")
    keys = [f"agg-{i}" for i in range(12)]
    await produce_raw(
        stack, topic, [(k.encode(), probe_record(k, n)) for n in range(20) for k in keys]
    )
    stopped: list[int] = []
    # The stop runs on its own: partitions are handled side by side, and one partition's batch
    # losing the database may cancel this one's while `pg_ctl stop` is still under way.
    stopping: list[asyncio.Future[None]] = []

    async def record_then_lose_the_database(
        batch: Sequence[Received], session: AsyncSession
    ) -> None:
        await record_probes(batch, session)
        if not stopped:
            # The batch's inbox rows and effects are written, not committed: now PostgreSQL goes.
            stopped.append(len(batch))
            stopping.append(asyncio.ensure_future(stack.control("pg-stop")))
            await asyncio.shield(stopping[0])
        conn = await session.connection()
        await conn.execute(text("SELECT 1"))

    consumer = await batch_consumer_for(stack, engine, topic, record_then_lose_the_database)
    try:
        async with running(consumer.run):

            async def retrying() -> bool:
                return _metric("trygg_consumer_outage_retries_total", consumer.service) > 0

            await wait_until(retrying, 60, "the consumer to retry through the outage")
            await stopping[0]
            await stack.control("pg-start")
            await wait_drained(stack, consumer.group_id, topic)
    finally:
        if stopping:
            await stopping[0]
        await stack.control("pg-start")
    assert stopped[0] > 1  # the database went in the middle of a batch, not of one record
    for key in keys:
        assert await effects_of(engine, key) == list(range(20))
    assert await scalar(engine, "SELECT count(*) FROM inbox") == 240


async def test_a_redelivered_batch_is_a_no_op(stack: TestStack, engine: AsyncEngine) -> None:
    topic = await new_topic(stack, "test.batchagain.")
    records = [(k.encode(), probe_record(k, n)) for n in range(10) for k in ("x", "y", "z")]
    # The same event twice within one batch, too.
    await produce_raw(stack, topic, [*records, records[0]])
    first = await batch_consumer_for(stack, engine, topic)
    async with running(first.run):
        await wait_drained(stack, first.group_id, topic)
    assert await scalar(engine, "SELECT count(*) FROM probe_effect") == 30
    # Another group reads every batch again from the start, into the same database.
    again = await batch_consumer_for(stack, engine, topic)
    async with running(again.run):
        await wait_drained(stack, again.group_id, topic)
    for key in ("x", "y", "z"):
        assert await effects_of(engine, key) == list(range(10))
    assert await scalar(engine, "SELECT count(*) FROM inbox") == 30
