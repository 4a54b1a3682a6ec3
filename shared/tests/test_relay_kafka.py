"""The relay against the real broker: order per aggregate, a killed broker, a stopped database,
a batch the broker refuses while the batches after it are already read and sent."""

from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backbone import (
    consumer_for,
    new_topic,
    produce_raw,
    relay_for,
    scalar,
    wait_drained,
    write_probes,
)
from shared.db import asyncpg_dsn
from shared.events import CloudEvent
from shared.relay import Relay
from shared.settings import RelaySettings
from shared.testing import (
    TestStack,
    probe_record,
    read_topic,
    running,
    unique_name,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]


def _order_by_aggregate(records: list[ConsumerRecord[bytes, bytes]]) -> dict[str, list[int]]:
    """Each aggregate's probe numbers in arrival order, a redelivered duplicate counted once."""
    seen: set[str] = set()
    order: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        event = CloudEvent.model_validate_json(record.value)
        if event.id in seen:
            continue
        seen.add(event.id)
        assert record.key is not None
        assert record.key.decode() == event.subject
        order[event.data["aggregate"]].append(event.data["n"])
    return order


def _metric(name: str, service: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": service}) or 0.0


def _probes(aggregates: int, per_aggregate: int, start: int = 0) -> list[tuple[str, int]]:
    """Interleaved: agg-0 #start, agg-1 #start, ..., agg-0 #start+1, ..."""
    return [(f"agg-{a}", n) for n in range(start, start + per_aggregate) for a in range(aggregates)]


async def test_thousand_events_over_ten_aggregates_arrive_in_per_aggregate_order(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.order.")
    relay = relay_for(stack, db_url, topic)
    async with running(relay.run):
        await write_probes(engine, _probes(10, 100), per_txn=37)
        records = await read_topic(stack.bootstrap, topic, 1000)
    order = _order_by_aggregate(records)
    assert len(records) == 1000
    assert order == {f"agg-{a}": list(range(100)) for a in range(10)}
    assert await scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_each_aggregate_lands_on_the_partition_a_plain_send_picks(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    """The relay hands the producer whole record batches per partition: an aggregate's events
    must still land where the producer's own `send` (and the Java client) puts its key, so its
    events stay on one partition whichever way they were sent."""
    relayed, sent = await new_topic(stack, "test.keys."), await new_topic(stack, "test.keys.")
    relay = relay_for(stack, db_url, relayed)
    async with running(relay.run):
        await write_probes(engine, _probes(30, 2))
        records = await read_topic(stack.bootstrap, relayed, 60)
    keys = sorted({r.key for r in records if r.key is not None})
    await produce_raw(stack, sent, [(key, b"{}") for key in keys])
    plain = await read_topic(stack.bootstrap, sent, len(keys))
    where = {r.key: r.partition for r in plain}
    assert len(keys) == 30
    assert len({r.partition for r in records}) == 3, "thirty keys spread over three partitions"
    assert all(r.partition == where[r.key] for r in records)


async def test_broker_killed_mid_stream_loses_nothing_and_relay_recovers(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.kill.")
    relay = relay_for(stack, db_url, topic)
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    async with running(relay.run):
        await write_probes(engine, _probes(10, 150), per_txn=50)

        async def some_published() -> bool:
            return await scalar(engine, unpublished) < 1200

        await wait_until(some_published, 60, "the relay to publish part of the stream")
        await stack.control("kafka-kill")
        await write_probes(engine, _probes(10, 150, start=150), per_txn=50)
        await stack.control("kafka-start")

        async def all_published() -> bool:
            return await scalar(engine, unpublished) == 0

        await wait_until(all_published, 180, "the relay to publish everything after the restart")
    records = await read_topic(stack.bootstrap, topic, 3000)
    assert _order_by_aggregate(records) == {f"agg-{a}": list(range(300)) for a in range(10)}
    # The outage really reached the relay, and it came back by itself.
    assert _metric("trygg_outbox_send_failures_total", relay.service) > 0


async def test_database_stopped_under_relay_and_consumer_loses_and_duplicates_nothing(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.pgstop.")
    relay = relay_for(stack, db_url, topic)
    consumer = await consumer_for(stack, engine, topic)
    direct = [(f"direct-{i}".encode(), probe_record(f"direct-{i}", i)) for i in range(100)]
    async with running(relay.run), running(consumer.run):
        await write_probes(engine, _probes(10, 50), per_txn=25)

        async def some_handled() -> bool:
            return await scalar(engine, "SELECT count(*) FROM probe_effect") >= 50

        await wait_until(some_handled, 60, "the consumer to handle part of the stream")
        await stack.control("pg-stop")
        # Events keep arriving while the database is down; the consumer must not skip them.
        await produce_raw(stack, topic, direct)
        await stack.control("pg-start")

        async def everything_handled() -> bool:
            return await scalar(engine, "SELECT count(*) FROM probe_effect") >= 600

        await wait_until(everything_handled, 180, "all 600 events to be handled")
        await wait_drained(stack, consumer.group_id, topic)
    assert _metric("trygg_consumer_outage_retries_total", consumer.service) > 0
    assert await scalar(engine, "SELECT count(*) FROM probe_effect") == 600
    assert await scalar(engine, "SELECT count(DISTINCT event_id) FROM probe_effect") == 600
    assert await scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_only_one_relay_per_service_leads(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.leader.")
    first = relay_for(stack, db_url, topic)
    second = relay_for(stack, db_url, topic)
    second.service = first.service
    async with running(first.run), running(second.run):

        async def one_leads() -> bool:
            return first.is_leader or second.is_leader

        await wait_until(one_leads, 30, "a relay to take the lead")
        await write_probes(engine, _probes(2, 50))
        records = await read_topic(stack.bootstrap, topic, 100)
        assert [first.is_leader, second.is_leader].count(True) == 1
    assert len(records) == 100


# A topic that refuses records over 64 KiB; the relay's producer batches at most 16 KiB, so
# only the padded probe is refused, and only its partition fails.
REFUSED_OVER = 64 * 1024
PADDING = 100 * 1024


async def _topic_refusing_large_records(stack: TestStack) -> str:
    topic = unique_name("test.refuse.")
    await _admin(stack, "create", topic)
    return topic


async def _admin(stack: TestStack, action: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        if action == "create":
            limit = {"max.message.bytes": str(REFUSED_OVER)}
            await admin.create_topics([NewTopic(topic, 3, 1, topic_configs=limit)])
        else:  # let every record through from now on
            allow = {"max.message.bytes": str(4 * PADDING)}
            await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, allow)])
    finally:
        await admin.close()


async def _pad(engine: AsyncEngine, aggregate: str, n: int) -> int:
    """Make one probe too large for the topic; returns its row's seq."""
    async with engine.begin() as conn:
        seq = await conn.scalar(
            text(
                "UPDATE outbox SET payload = jsonb_set(payload, '{data,padding}', "
                "to_jsonb(repeat('x', :size))) "
                "WHERE payload->'data'->>'aggregate' = :a AND (payload->'data'->>'n')::int = :n "
                "RETURNING seq"
            ),
            {"size": PADDING, "a": aggregate, "n": n},
        )
    assert seq is not None
    return int(seq)


async def _delivered(stack: TestStack, topic: str) -> set[str]:
    """The ids of every event on the topic now, reading each partition to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        ids: set[str] = set()

        async def read_to_the_end() -> bool:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                ids.update(CloudEvent.model_validate_json(r.value).id for r in batch if r.value)
            return all([await consumer.position(tp) >= ends[tp] for tp in partitions])

        await wait_until(read_to_the_end, 60, f"the end of {topic}")
        return ids
    finally:
        await consumer.stop()


async def _rows(engine: AsyncEngine) -> list[tuple[str, int, bool]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT id::text, seq, published_at IS NOT NULL FROM outbox ORDER BY seq")
        )
        return [(id_, seq, published) for id_, seq, published in result]


async def test_a_refused_batch_while_later_ones_are_read_and_sent_marks_nothing_after_it(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    """Batches of 20, three in flight: when the broker refuses the padded probe, the batches
    after it are already read and handed to the producer. Only what the broker acknowledged
    is marked, nothing from the refused row on, and earlier batches all are; once the topic
    takes the probe every event arrives, each aggregate's in order."""
    topic = await _topic_refusing_large_records(stack)
    relay = Relay(
        unique_name("relay"),
        asyncpg_dsn(db_url),
        topic,
        stack.kafka_settings(send_timeout_s=5.0, stop_timeout_s=5.0, max_batch_bytes=16 * 1024),
        RelaySettings(poll_interval_s=0.2, batch_size=20, in_flight_batches=3),
    )
    await write_probes(engine, _probes(10, 30), per_txn=30)
    refused = await _pad(engine, "agg-3", 15)  # the 154th row of 300: in the eighth batch
    async with running(relay.run):

        async def refused_twice() -> bool:
            attempts = f"SELECT attempts FROM outbox WHERE seq = {refused}"
            return await scalar(engine, attempts) >= 2

        await wait_until(refused_twice, 60, "the relay to be refused the padded probe twice")
        rows, delivered = await _rows(engine), await _delivered(stack, topic)
        marked = {id_ for id_, _, published in rows if published}
        after = {id_ for id_, seq, _ in rows if seq >= refused}
        assert marked <= delivered
        assert not marked & after
        assert after & delivered, "rows after the refused one went out while it was in flight"
        assert len([seq for _, seq, published in rows if seq < refused and not published]) < 20
        await _admin(stack, "allow", topic)

        async def all_published() -> bool:
            unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
            return await scalar(engine, unpublished) == 0

        await wait_until(all_published, 120, "the relay to publish everything once allowed")
    records = await read_topic(stack.bootstrap, topic, 300, until=lambda got: len(got) >= 300)
    assert _order_by_aggregate(records) == {f"agg-{a}": list(range(30)) for a in range(10)}
    assert _metric("trygg_outbox_send_failures_total", relay.service) >= 2
