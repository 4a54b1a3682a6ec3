"""Benchmark: the consumer runner (inbox + handler + offset commit) against a raw aiokafka read.

Run it against a running stack (`make up`, or the test stack):

    .venv/bin/python benchmarks/consumer_throughput.py --events 50000

It puts the same probe events on a fresh topic, then times a bare AIOKafkaConsumer reading
them (the baseline: no database at all) and the consumer runner handling them (one inbox row and
one handler insert per event, committed per partition batch before the offsets).
"""

import argparse
import asyncio
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import create_async_engine

from shared.consumer import ConsumerRunner
from shared.db import asyncpg_dsn, create_sessionmaker
from shared.kafka import create_topics
from shared.settings import (
    DEV_DATABASE_PASSWORD,
    ConsumerSettings,
    KafkaSettings,
    dead_letter_topic,
)
from shared.testing import ProbeHappened, probe_record, record_probe

TABLES = """
DROP TABLE IF EXISTS inbox, probe_effect;
CREATE TABLE inbox (source varchar NOT NULL, id varchar NOT NULL, type varchar NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, id));
CREATE TABLE probe_effect (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL, aggregate text NOT NULL, n integer NOT NULL);
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


async def baseline(bootstrap: str, topic: str, events: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=uuid.uuid4().hex,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < events:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            seen += sum(len(b) for b in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def runner(dsn: str, url: str, kafka: KafkaSettings, topic: str, events: int) -> float:
    service = f"bench{uuid.uuid4().hex[:6]}"
    await create_topics(kafka.bootstrap_servers, [dead_letter_topic(service)], 1)
    engine = create_async_engine(url, pool_size=2)
    runner = ConsumerRunner(
        service,
        [topic],
        {ProbeHappened.wire_type: record_probe},
        create_sessionmaker(engine),
        kafka,
        ConsumerSettings(),
    )
    conn = await asyncpg.connect(dsn)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(runner.run(stop))
    # The handled count lives in the database; polling it is the measurement.
    while await conn.fetchval("SELECT count(*) FROM probe_effect") < events:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    await conn.close()
    await engine.dispose()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    server = args.database_url.rsplit("/", 1)[0]
    admin = await asyncpg.connect(asyncpg_dsn(server + "/postgres"))
    await admin.execute("DROP DATABASE IF EXISTS bench_consumer WITH (FORCE)")
    await admin.execute("CREATE DATABASE bench_consumer")
    await admin.close()
    url = server + "/bench_consumer"
    conn = await asyncpg.connect(asyncpg_dsn(url))
    await conn.execute(TABLES)
    await conn.close()
    kafka = KafkaSettings(bootstrap_servers=args.bootstrap)
    topic = f"bench.consume.{uuid.uuid4().hex[:8]}"
    await create_topics(args.bootstrap, [topic], 3)
    await produce(args.bootstrap, topic, args.events)
    raw = await baseline(args.bootstrap, topic, args.events)
    handled = await runner(asyncpg_dsn(url), url, kafka, topic, args.events)
    print(f"events: {args.events} on 3 partitions")
    print(f"baseline raw aiokafka consumer: {args.events / raw:10,.0f} events/s ({raw:.2f} s)")
    print(
        f"consumer runner (inbox+handler): {args.events / handled:9,.0f} events/s "
        f"({handled:.2f} s, includes joining the group)"
    )
    print(f"runner / baseline:              {raw / handled:10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=f"postgresql+asyncpg://trygg:{DEV_DATABASE_PASSWORD}@127.0.0.1:55432/postgres",
    )
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--events", type=int, default=50_000)
    asyncio.run(main(parser.parse_args()))
