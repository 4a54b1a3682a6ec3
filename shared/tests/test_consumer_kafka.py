"""The consumer runner against the real broker: dead letters, bad handlers, a killed worker."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from backbone import (
    committed_offsets,
    consumer_for,
    new_topic,
    produce_raw,
    scalar,
    wait_drained,
)
from shared import dead_letters
from shared.consumer import EventMeta
from shared.kafka import create_topics
from shared.replay import replay
from shared.settings import dead_letter_topic
from shared.testing import (
    ProbeHappened,
    TestStack,
    probe_record,
    read_topic,
    record_probe,
    running,
    unique_name,
    wait_until,
)

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]
CONSUMER_PROCESS = Path(__file__).with_name("consumer_process.py")


async def _effects(engine: AsyncEngine, aggregate: str) -> int:
    return await scalar(
        engine, f"SELECT count(*) FROM probe_effect WHERE aggregate = '{aggregate}'"
    )


async def test_invalid_records_are_dead_lettered_with_headers_and_the_next_is_handled(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.dlq.")
    consumer = await consumer_for(stack, engine, topic)
    broken_data = probe_record("k", 1).replace(b'"n":1', b'"n":"one"')
    await produce_raw(
        stack,
        topic,
        [
            (b"k", b"this is not json"),
            (b"k", b'{"specversion": "1.0", "id": "x"}'),
            (b"k", broken_data),
            (b"k", probe_record("k", 2)),
        ],
    )
    async with running(consumer.run):
        await wait_until(lambda: _has_effect(engine, "k"), 60, "the valid record to be handled")
        await wait_drained(stack, consumer.group_id, topic)
    letters = await read_topic(
        stack.bootstrap, dead_letter_topic(consumer.service), 3, partitions=1
    )
    assert [r.value for r in letters][:2] == [
        b"this is not json",
        b'{"specversion": "1.0", "id": "x"}',
    ]
    headers = [dict(r.headers) for r in letters]
    assert {h[dead_letters.ORIGINAL_TOPIC] for h in headers} == {topic.encode()}
    assert [int(h[dead_letters.ORIGINAL_OFFSET]) for h in headers] == [0, 1, 2]
    assert all(h[dead_letters.ORIGINAL_PARTITION].isdigit() for h in headers)
    assert b"not a CloudEvent" in headers[0][dead_letters.ERROR]
    assert b"data breaks" in headers[2][dead_letters.ERROR]
    assert all(r.key == b"k" for r in letters)
    assert await _effects(engine, "k") == 1


async def _has_effect(engine: AsyncEngine, aggregate: str) -> bool:
    return await _effects(engine, aggregate) > 0


async def test_a_failing_handler_is_retried_then_dead_lettered_and_the_rest_handled(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.fail.")
    consumer = await consumer_for(stack, engine, topic)
    # record_probe refuses negative numbers: a handler error that no retry can fix.
    await produce_raw(stack, topic, [(b"f", probe_record("f", n)) for n in (1, -1, 2)])
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
    letters = await read_topic(
        stack.bootstrap, dead_letter_topic(consumer.service), 1, partitions=1
    )
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers[dead_letters.ERROR_TYPE] == b"ValueError"
    assert b"negative" in headers[dead_letters.ERROR]
    assert await _effects(engine, "f") == 2
    # The dead-lettered event left no inbox row, so replaying it later is not a no-op.
    assert await scalar(engine, "SELECT count(*) FROM inbox") == 2


async def test_dead_letters_can_be_replayed_once_the_cause_is_fixed(
    stack: TestStack, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.replay.")
    consumer = await consumer_for(stack, engine, topic)
    await produce_raw(stack, topic, [(b"p", probe_record("p", -5))])
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
    assert await _effects(engine, "p") == 0
    # The cause is fixed: this consumer now takes negative numbers too.
    fixed = await consumer_for(stack, engine, topic)
    fixed.service, fixed.routes = consumer.service, {ProbeHappened.wire_type: _accept_any}
    assert await replay(consumer.service, stack.kafka_settings()) == 1
    async with running(fixed.run):
        await wait_until(lambda: _has_effect(engine, "p"), 60, "the replayed event")
    assert await replay(consumer.service, stack.kafka_settings()) == 0


async def _accept_any(event: ProbeHappened, session: AsyncSession, *, meta: EventMeta) -> None:
    await record_probe(event.model_copy(update={"n": abs(event.n)}), session, meta=meta)


async def test_redelivered_event_is_a_no_op(stack: TestStack, engine: AsyncEngine) -> None:
    topic = await new_topic(stack, "test.redeliver.")
    record = probe_record("r", 7)
    await produce_raw(stack, topic, [(b"r", record), (b"r", record)])
    consumer = await consumer_for(stack, engine, topic)
    async with running(consumer.run):
        await wait_drained(stack, consumer.group_id, topic)
    assert await _effects(engine, "r") == 1


async def _consumer_process(
    stack: TestStack, db_url: str, topic: str, service: str, *flags: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(CONSUMER_PROCESS),
        db_url,
        stack.bootstrap,
        topic,
        service,
        *flags,
        env={**os.environ, "PYTHONPATH": str(CONSUMER_PROCESS.parent)},
    )


async def test_worker_killed_between_database_and_offset_commit_handles_the_event_once(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.crash.")
    service = unique_name("crash")
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    await produce_raw(stack, topic, [(b"c", probe_record("c", 1))])

    crashing = await _consumer_process(stack, db_url, topic, service, "--kill-after-db-commit")
    assert await asyncio.wait_for(crashing.wait(), 120) == -signal.SIGKILL
    assert await _effects(engine, "c") == 1
    assert await committed_offsets(stack, f"trygg.{service}") == {}

    restarted = await _consumer_process(stack, db_url, topic, service)
    try:
        await wait_drained(stack, f"trygg.{service}", topic)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(restarted.wait(), 60) == 0
    assert await _effects(engine, "c") == 1
    assert await scalar(engine, "SELECT count(*) FROM inbox") == 1
