"""After a restore, the outbox and the inbox meet a Kafka that moved on.

A producer's database and a consumer's (the outbox, the inbox and the handler's table of
effects) are backed up while event 2 is still unpublished; afterwards events 2 and 3 are
published and handled. Restored:

- the producer's outbox shows event 2 unpublished, and its relay publishes it again with the
  same id: the consumer's live inbox, which handled it, makes it a no-op;
- the consumer's restored database lacks the effects of events 2 and 3 while the group's offsets
  are past them: `shared.rewind` moves the group back to the offsets the backup saved, the
  consumer takes them again, and each effect exists once, the inbox dropping the duplicate;
  moved back to a time before everything, nothing is handled twice either.
"""

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from backbone import consumer_for, new_topic, relay_for, wait_drained, write_probes
from backup_drill import restored, scalar, take_backup
from shared.consumer import ConsumerRunner
from shared.db import create_sessionmaker
from shared.inbox import InboxMessage
from shared.outbox import OutboxMessage
from shared.rewind import GroupActive, rewind
from shared.testing import (
    TestStack,
    read_topic,
    recreate_database,
    running,
    unique_name,
    wait_until,
)

pytestmark = pytest.mark.kafka
EFFECTS = "CREATE TABLE probe_effect (event_id text NOT NULL, aggregate text NOT NULL, n integer)"


def _tables(conn: Connection) -> None:
    tables = [OutboxMessage.__table__, InboxMessage.__table__]  # type: ignore[attr-defined]
    OutboxMessage.metadata.create_all(conn, tables=tables)
    conn.execute(text(EFFECTS))


async def _database(stack: TestStack, name: str) -> str:
    url = await recreate_database(stack, name)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_tables)
    await engine.dispose()
    return url


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _effects(url: str) -> list[object]:
    return list(await scalar(url, "SELECT array_agg(n ORDER BY n) FROM probe_effect") or [])  # type: ignore[call-overload]


async def _count(url: str, sql: str) -> int:
    return int(await scalar(url, sql))  # type: ignore[call-overload]


async def _idle(stack: TestStack, group: str) -> None:
    """Wait until the group has no members, as once its worker stopped."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:

        async def empty() -> bool:
            [response] = await admin.describe_consumer_groups([group])
            return all(g["state"] == "Empty" for g in response.to_object()["groups"])

        await wait_until(empty, 60, f"{group} to have no members")
    finally:
        await admin.close()


async def _consume_all(
    stack: TestStack, consumer: ConsumerRunner, topic: str, records: int
) -> None:
    """Run the consumer until its group has committed past every record; then stop it."""
    await read_topic(stack.bootstrap, topic, records)
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
    await _idle(stack, consumer.group_id)


def _against(consumer: ConsumerRunner, engine: AsyncEngine) -> ConsumerRunner:
    """The same consumer (service, group, handlers) on another database."""
    return dataclasses.replace(consumer, sessionmaker=create_sessionmaker(engine))


async def test_a_restore_republishes_what_looks_unpublished_and_a_rewind_restores_effects(
    stack: TestStack, tmp_path: Path
) -> None:
    producer = await _database(stack, unique_name("producer_"))
    consumer_db = await _database(stack, unique_name("consumer_"))
    topic = await new_topic(stack, "test.restore.")
    producer_engine, engine = create_async_engine(producer), create_async_engine(consumer_db)
    consumer = await consumer_for(stack, engine, topic)
    # Before the backup: event 1 published and handled; event 2 written, not yet published.
    async with running(relay_for(stack, producer, topic).run):
        await write_probes(producer_engine, [("drill", 1)])
        await read_topic(stack.bootstrap, topic, 1)
    await _consume_all(stack, consumer, topic, 1)
    await write_probes(producer_engine, [("drill", 2)])
    backup = await take_backup(stack, tmp_path / "backup")
    saved = json.loads((backup / "consumer-offsets.json").read_text())
    assert consumer.group_id in saved["groups"]
    # After the backup: event 2 published and handled; event 3 written, published, handled.
    await write_probes(producer_engine, [("drill", 3)])
    async with running(relay_for(stack, producer, topic).run):
        await read_topic(stack.bootstrap, topic, 3)
    await _consume_all(stack, consumer, topic, 3)
    assert await _effects(consumer_db) == [1, 2, 3]
    async with restored(stack, backup) as cluster:
        await _republished_is_a_no_op(
            stack, cluster.url(_name(producer)), consumer, consumer_db, topic
        )
        restored_consumer = cluster.url(_name(consumer_db))
        restored_engine = create_async_engine(restored_consumer)
        try:
            await _rewind_brings_back_the_effects(
                stack, _against(consumer, restored_engine), restored_consumer, saved, topic
            )
        finally:
            await restored_engine.dispose()
    await producer_engine.dispose()
    await engine.dispose()


async def _republished_is_a_no_op(
    stack: TestStack,
    restored_producer: str,
    consumer: ConsumerRunner,
    consumer_url: str,
    topic: str,
) -> None:
    """Event 2 looks unpublished in the restored outbox; its relay sends it again, and the
    live consumer, whose inbox has it, changes nothing."""
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    assert await _count(restored_producer, unpublished) == 1
    async with running(relay_for(stack, restored_producer, topic).run):
        records = await read_topic(stack.bootstrap, topic, 4)
    ids = [dict(r.headers)["id"] for r in records]
    assert len(ids) == 4
    assert len(set(ids)) == 3, "event 2 went out twice, under one id"
    assert await _count(restored_producer, unpublished) == 0
    await _consume_all(stack, consumer, topic, 4)
    assert await _effects(consumer_url) == [1, 2, 3]
    assert await _count(consumer_url, "SELECT count(*) FROM inbox") == 3


async def _rewind_brings_back_the_effects(
    stack: TestStack,
    consumer: ConsumerRunner,
    url: str,
    saved: dict[str, object],
    topic: str,
) -> None:
    """The restored consumer database lacks events 2 and 3, the group is past them. Moved back
    to the offsets the backup saved, the consumer takes 2, 3 and 2 again: each effect once."""
    assert await _effects(url) == [1]
    service, bootstrap = consumer.service, stack.bootstrap
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
        with pytest.raises(GroupActive):
            await rewind(service, bootstrap, saved=saved)
    await _idle(stack, consumer.group_id)
    moves = await rewind(service, bootstrap, saved=saved)
    assert [after for _, after in moves.values()] == [1], "back to just after event 1"
    await _consume_all(stack, consumer, topic, 4)
    assert await _effects(url) == [1, 2, 3]
    assert await _count(url, "SELECT count(*) FROM inbox") == 3
    # Back to before everything: all four records again, and not one effect more.
    moves = await rewind(service, bootstrap, to=datetime(2000, 1, 1, tzinfo=UTC))
    assert [after for _, after in moves.values()] == [0]
    await _consume_all(stack, consumer, topic, 4)
    assert await _effects(url) == [1, 2, 3]
