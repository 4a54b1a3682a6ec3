"""Replaying dead letters against the real broker: an unknown service or a missing topic fails at
once, a dry run only counts, a replay sends each letter back once and leaves no consumer group."""

import asyncio
import os
import sys
from collections import Counter

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from backbone import end_offsets, new_topic, produce_raw
from shared import dead_letters
from shared.dead_letters import DeadLetter, DeadLetterSender
from shared.kafka import create_topics
from shared.replay import NoDeadLetterTopic, count_dead_letters, dry_run_report, replay
from shared.settings import dead_letter_topic
from shared.testing import TestStack, probe_record, read_topic, unique_name

pytestmark = pytest.mark.kafka
ERRORS = ["ValueError", "ContractViolation", "ValueError"]


async def _dead_letter(stack: TestStack, service: str, errors: list[str]) -> str:
    """One dead letter of `service` per error, each made from a record of a new topic, sent the
    way the consumer runner sends them; returns that topic."""
    topic = await new_topic(stack, "test.replay.")
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 3)
    await produce_raw(
        stack, topic, [(f"k{i}".encode(), probe_record(f"k{i}", i)) for i in range(len(errors))]
    )
    records = await read_topic(stack.bootstrap, topic, len(errors))
    sender = DeadLetterSender(service, stack.kafka_settings())
    try:
        await sender.send(
            [DeadLetter(r, f"it broke: {e}", e) for r, e in zip(records, errors, strict=True)]
        )
    finally:
        await sender.close()
    return topic


async def _groups(stack: TestStack) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        return {group for group, *_ in await admin.list_consumer_groups()}
    finally:
        await admin.close()


async def _count(stack: TestStack, topic: str) -> int:
    return sum((await end_offsets(stack, topic)).values())


async def test_an_unknown_service_fails_at_once_with_a_clear_message(stack: TestStack) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.replay",
        "--service",
        "nosuch",
        "--bootstrap",
        stack.bootstrap,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ,
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "invalid choice: 'nosuch'" in err.decode()
    assert "walks" in err.decode()


async def test_a_missing_dead_letter_topic_fails_at_once_and_creates_nothing(
    stack: TestStack,
) -> None:
    service = unique_name("svc")
    for attempt in (replay, count_dead_letters):
        with pytest.raises(NoDeadLetterTopic, match=f"no dead-letter topic trygg.{service}.dlq"):
            await asyncio.wait_for(attempt(service, stack.kafka_settings()), 30)
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        assert dead_letter_topic(service) not in await admin.list_topics()
    finally:
        await admin.close()


async def test_a_dry_run_counts_by_error_type_and_sends_nothing(stack: TestStack) -> None:
    service = unique_name("svc")
    topic = await _dead_letter(stack, service, ERRORS)
    groups = await _groups(stack)
    counts = await count_dead_letters(service, stack.kafka_settings())
    assert counts == Counter({("ValueError", topic): 2, ("ContractViolation", topic): 1})
    assert dry_run_report(service, counts).splitlines() == [
        f"3 dead letters of {service} would be replayed",
        f"       2  ValueError  -> {topic}",
        f"       1  ContractViolation  -> {topic}",
    ]
    assert await _count(stack, topic) == len(ERRORS)
    assert await _count(stack, dead_letter_topic(service)) == len(ERRORS)
    # Still there to replay: a second look finds the same.
    assert await count_dead_letters(service, stack.kafka_settings()) == counts
    assert await _groups(stack) == groups


async def test_a_replay_sends_each_letter_back_once_and_leaves_no_consumer_group(
    stack: TestStack,
) -> None:
    service = unique_name("svc")
    topic = await _dead_letter(stack, service, ERRORS)
    letters = await read_topic(stack.bootstrap, dead_letter_topic(service), len(ERRORS))
    groups = await _groups(stack)
    assert await replay(service, stack.kafka_settings()) == len(ERRORS)
    assert await _groups(stack) == groups
    records = await read_topic(stack.bootstrap, topic, 2 * len(ERRORS))
    # Each record is there twice: as first sent, and sent back with its key and value.
    assert Counter((r.key, r.value) for r in records) == {(r.key, r.value): 2 for r in letters}
    assert all(not name.startswith("dlq-") for r in records for name, _ in r.headers or ())
    assert all(dead_letters.ERROR_TYPE in dict(r.headers) for r in letters)
    # Sent back once: the dead-letter topic holds nothing more to replay.
    assert await count_dead_letters(service, stack.kafka_settings()) == Counter()
    assert await replay(service, stack.kafka_settings()) == 0
    assert await _groups(stack) == groups
