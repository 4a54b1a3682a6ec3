"""The relay against the real broker: order per aggregate, a killed broker, a stopped database."""

from collections import defaultdict

import pytest
from aiokafka import ConsumerRecord
from prometheus_client import REGISTRY
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
from shared.events import CloudEvent
from shared.testing import TestStack, probe_record, read_topic, running, wait_until

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
