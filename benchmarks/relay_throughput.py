"""B2: the outbox relay publishing a backlog of events, beside a bare aiokafka producer sending
the same keys, values and headers (acks awaited at the end) in the same run.

The outbox is the real one (walks' migrations, in a database of the benchmark's own), filled by
COPY; the relay runs as the workers run it (`Relay.run`) until no row is left unpublished, so
its rate includes connecting to the broker, as a worker's first batch does.
"""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from benchkit import Goal, Row, Sizes
from benchstack import BenchStack, migrated

from shared.kafka import create_topics, new_producer
from shared.relay import CONTENT_TYPE_HEADER, Relay
from shared.settings import KafkaSettings, RelaySettings
from shared.testing import running

AGGREGATES = 100
Event = tuple[str, str, str]  # key, value, id


def payload(aggregate: str, n: int) -> str:
    """A CloudEvent about the size of an action plan measure status change."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/walks",
            "type": "se.trygg.walks.measure.status_changed.v1",
            "subject": aggregate,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": {
                "plan_id": aggregate,
                "measure_id": str(uuid.uuid4()),
                "n": n,
                "status": "in_progress",
                "title": "Byt belysning längs gång- och cykelvägen",
                "responsible": {"organisation_number": "212000-0522", "name": "Värnamo kommun"},
                "deadline": "2027-03-31",
            },
        }
    )


async def fill(dsn: str, events: int) -> list[Event]:
    rows = [
        (f"plan-{i % AGGREGATES}", payload(f"plan-{i % AGGREGATES}", i), str(uuid.uuid4()))
        for i in range(events)
    ]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE outbox")
        await conn.copy_records_to_table(
            "outbox",
            columns=["id", "aggregatetype", "aggregateid", "type", "payload"],
            records=[(uuid.UUID(i), "action_plan", k, "bench", v) for k, v, i in rows],
        )
        await conn.execute("VACUUM ANALYZE outbox")
        return rows
    finally:
        await conn.close()


async def baseline(kafka: KafkaSettings, topic: str, rows: list[Event]) -> float:
    """Events/s of a bare producer with the relay's settings, connected beforehand."""
    producer = new_producer(kafka)
    await producer.start()
    try:
        started = time.perf_counter()
        headers = [CONTENT_TYPE_HEADER]
        futures = [
            await producer.send(
                topic, value.encode(), key=key.encode(), headers=[("id", i.encode()), *headers]
            )
            for key, value, i in rows
        ]
        await asyncio.gather(*futures)
        return len(rows) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def relayed(dsn: str, kafka: KafkaSettings, topic: str, events: int) -> float:
    """Events/s of the relay, from its start until the outbox has nothing left to publish."""
    relay = Relay(f"bench{uuid.uuid4().hex[:6]}", dsn, topic, kafka, RelaySettings())
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with running(relay.run):
            query = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            while await conn.fetchval(query):  # noqa: ASYNC110 (the database is the signal)
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - started
        return events / elapsed
    finally:
        await conn.close()


async def scenario(stack: BenchStack, sizes: Sizes) -> list[Row]:
    await migrated(stack, "bench_events", "walks")
    dsn = stack.dsn("bench_events")
    kafka = KafkaSettings(bootstrap_servers=stack.bootstrap)
    raw_topic, relay_topic = (f"bench.{kind}.{uuid.uuid4().hex[:8]}" for kind in ("raw", "relay"))
    await create_topics(stack.bootstrap, [raw_topic, relay_topic], 3)
    ours, base = [], []
    for _ in range(sizes.runs):
        rows = await fill(dsn, sizes.relay_events)
        base.append(await baseline(kafka, raw_topic, rows))
        ours.append(await relayed(dsn, kafka, relay_topic, sizes.relay_events))
    return [
        Row(
            "B2",
            f"relay, {sizes.relay_events:,} events",
            "ev/s",
            ours,
            base,
            "bare aiokafka producer",
            goal=Goal("ratio ≥ 0.7", lambda r: (r.ratio or 0) >= 0.7),
        )
    ]
