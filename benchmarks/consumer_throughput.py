"""B3: the consumer runner (inbox, a handler doing one INSERT, offsets committed after the
database) beside the same work done by hand in the same run: a getmany loop that, per partition
batch, inserts the batch's inbox rows and its handler rows in one INSERT each, commits the
transaction and then the offsets.

Both write the handler's rows with the database's clock; the rate is the rows over the time
from the first row to the last, so joining the group and the polling are left out of both.
"""

import asyncio
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from benchkit import Goal, Row, Sizes
from benchstack import BenchStack, migrated

from shared.consumer import Batch, ConsumerRunner, Handler
from shared.db import create_engine, create_sessionmaker
from shared.events import CloudEvent
from shared.kafka import create_topics
from shared.settings import ConsumerSettings, DatabaseSettings, KafkaSettings, dead_letter_topic
from shared.testing import ProbeHappened, probe_record, record_probe, record_probes, running

EFFECT = """
CREATE TABLE probe_effect (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL, aggregate text NOT NULL, n integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())
"""
RATE = "SELECT (count(*) / extract(epoch FROM max(at) - min(at)))::float8 FROM probe_effect"
INBOX = """
INSERT INTO inbox (source, id, type) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
ON CONFLICT DO NOTHING RETURNING id
"""
EFFECTS = """
INSERT INTO probe_effect (event_id, aggregate, n)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
"""


async def produce(bootstrap: str, topic: str, events: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, probe_record(f"a-{i % 100}", i), key=f"a-{i % 100}".encode())
            for i in range(events)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _until_rows(conn: asyncpg.Connection, events: int) -> float:
    while await conn.fetchval("SELECT count(*) FROM probe_effect") < events:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    rate: float = await conn.fetchval(RATE)
    await conn.execute("TRUNCATE probe_effect, inbox")
    return rate


async def runner(
    stack: BenchStack, url: str, topic: str, events: int, route: Handler | Batch
) -> float:
    service = f"bench{uuid.uuid4().hex[:6]}"
    kafka = KafkaSettings(bootstrap_servers=stack.bootstrap)
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    engine = create_engine(DatabaseSettings(url=url, pool_size=4))
    routes = {ProbeHappened.wire_type: route}
    consumer = ConsumerRunner(
        service, [topic], routes, create_sessionmaker(engine), kafka, ConsumerSettings()
    )
    conn = await asyncpg.connect(stack.dsn("bench_events"))
    try:
        async with running(consumer.run):
            return await _until_rows(conn, events)
    finally:
        await conn.close()
        await engine.dispose()


async def getmany_loop(stack: BenchStack, topic: str, events: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap,
        group_id=f"bench.{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    conn = await asyncpg.connect(stack.dsn("bench_events"))
    await consumer.start()
    try:
        seen = 0
        while seen < events:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                await _apply(conn, [CloudEvent.model_validate_json(r.value) for r in records])
                await consumer.commit({tp: records[-1].offset + 1})
                seen += len(records)
        return await _until_rows(conn, events)
    finally:
        await consumer.stop()
        await conn.close()


async def _apply(conn: asyncpg.Connection, events: list[CloudEvent]) -> None:
    async with conn.transaction():
        new = {
            r["id"]
            for r in await conn.fetch(
                INBOX, [e.source for e in events], [e.id for e in events], [e.type for e in events]
            )
        }
        fresh = [(e.id, ProbeHappened.model_validate(e.data)) for e in events if e.id in new]
        await conn.execute(
            EFFECTS, [i for i, _ in fresh], [p.aggregate for _, p in fresh], [p.n for _, p in fresh]
        )


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    url = await migrated(stack, "bench_events", "walks")
    conn = await asyncpg.connect(stack.dsn("bench_events"))
    await conn.execute("DROP TABLE IF EXISTS probe_effect")
    await conn.execute(EFFECT)
    await conn.close()
    ours, batched, base = [], [], []
    n = sizes.consumer_events
    for _ in range(sizes.runs):
        topic = f"bench.consume.{uuid.uuid4().hex[:8]}"
        await create_topics(stack.bootstrap, [topic], 3)
        await produce(stack.bootstrap, topic, n)
        base.append(await getmany_loop(stack, topic, n))
        ours.append(await runner(stack, url, topic, n, record_probe))
        batched.append(await runner(stack, url, topic, n, Batch(record_probes)))
    goal = Goal("ratio ≥ 0.5", lambda r: (r.ratio or 0) >= 0.5)
    baseline = "getmany loop, batched INSERTs"
    return [
        Row(
            "B3",
            f"consumer runner, one INSERT per event, {n:,} events",
            "ev/s",
            ours,
            base,
            baseline,
            goal=goal,
        ),
        Row(
            "B3b",
            f"consumer runner, a Batch route's one INSERT per batch, {n:,} events",
            "ev/s",
            batched,
            base,
            baseline,
            goal=goal,
        ),
    ]
