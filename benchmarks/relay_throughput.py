"""Benchmark: outbox relay throughput against a raw aiokafka producer sending the same records.

Run it against a running stack (`make up`, or the test stack):

    .venv/bin/python benchmarks/relay_throughput.py --events 50000

It prints events/s for the baseline (a bare AIOKafkaProducer with the relay's settings sending
the same keys, values and headers, acks awaited at the end) and for the relay (select, send,
mark published, batch by batch), and their ratio. Targets: at least 10,000 events/s, and at
least 0.7 of the baseline.
"""

import argparse
import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from shared.db import asyncpg_dsn
from shared.kafka import create_topics, new_producer
from shared.relay import CONTENT_TYPE_HEADER, Relay
from shared.settings import DEV_DATABASE_PASSWORD, KafkaSettings, RelaySettings

SCHEMA = """
DROP TABLE IF EXISTS outbox;
CREATE TABLE outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id uuid NOT NULL UNIQUE,
  aggregatetype varchar NOT NULL, aggregateid varchar NOT NULL, type varchar NOT NULL,
  payload jsonb NOT NULL, traceparent text, created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz, attempts integer NOT NULL DEFAULT 0, last_error text);
CREATE INDEX ix_outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
"""


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


async def prepare(dsn: str, events: int, aggregates: int) -> list[tuple[str, str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(SCHEMA)
        rows = [
            (f"plan-{i % aggregates}", payload(f"plan-{i % aggregates}", i), str(uuid.uuid4()))
            for i in range(events)
        ]
        await conn.copy_records_to_table(
            "outbox",
            columns=["id", "aggregatetype", "aggregateid", "type", "payload"],
            records=[(uuid.UUID(i), "action_plan", k, "bench", v) for k, v, i in rows],
        )
        return rows
    finally:
        await conn.close()


async def baseline(kafka: KafkaSettings, topic: str, rows: list[tuple[str, str, str]]) -> float:
    producer = new_producer(kafka)
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(
                topic,
                value.encode(),
                key=key.encode(),
                headers=[("id", event_id.encode()), CONTENT_TYPE_HEADER],
            )
            for key, value, event_id in rows
        ]
        await asyncio.gather(*futures)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def relay_run(dsn: str, kafka: KafkaSettings, topic: str, batch: int) -> float:
    relay = Relay("bench", dsn, topic, kafka, RelaySettings(batch_size=batch))
    conn = await asyncpg.connect(dsn)
    try:
        await relay._ensure_producer()  # connecting is not part of the rate
        started = time.perf_counter()
        while await relay.publish_round(conn):
            pass
        elapsed = time.perf_counter() - started
        left = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        assert left == 0, f"{left} events left unpublished"
        return elapsed
    finally:
        await relay._drop_producer()
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    admin_dsn = asyncpg_dsn(args.database_url.rsplit("/", 1)[0] + "/postgres")
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute("DROP DATABASE IF EXISTS bench_relay WITH (FORCE)")
    await conn.execute("CREATE DATABASE bench_relay")
    await conn.close()
    dsn = asyncpg_dsn(args.database_url.rsplit("/", 1)[0] + "/bench_relay")
    kafka = KafkaSettings(bootstrap_servers=args.bootstrap)
    topic_base, topic_relay = (
        f"bench.raw.{uuid.uuid4().hex[:8]}",
        f"bench.relay.{uuid.uuid4().hex[:8]}",
    )
    await create_topics(args.bootstrap, [topic_base, topic_relay], 3)
    rows = await prepare(dsn, args.events, args.aggregates)
    warm = rows[: min(2000, len(rows))]
    await baseline(kafka, topic_base, warm)
    raw = await baseline(kafka, topic_base, rows)
    relayed = await relay_run(dsn, kafka, topic_relay, args.batch)
    raw_rate, relay_rate = args.events / raw, args.events / relayed
    print(f"events: {args.events} over {args.aggregates} aggregates, relay batch {args.batch}")
    print(f"baseline raw aiokafka producer: {raw_rate:10,.0f} events/s ({raw:.2f} s)")
    print(f"outbox relay:                   {relay_rate:10,.0f} events/s ({relayed:.2f} s)")
    print(f"relay / baseline:               {relay_rate / raw_rate:10.2f}  (target ≥ 0.70)")
    print(f"relay target 10,000 events/s:   {'met' if relay_rate >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:55432/postgres",
    )
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--aggregates", type=int, default=100)
    parser.add_argument("--batch", type=int, default=2000)
    asyncio.run(main(parser.parse_args()))
