"""Rebalances between worker processes sharing a consumer group, against the real broker: a
member killed in the middle of one loses nothing and repeats nothing in effect, and the
survivor takes every partition within the group's session timeout."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backbone import new_topic, scalar, wait_drained, wait_owned
from shared.kafka import create_topics
from shared.settings import ConsumerSettings, dead_letter_topic
from shared.testing import TestStack, probe_record, unique_name, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("clean_tables")]
CONSUMER_PROCESS = Path(__file__).with_name("consumer_process.py")
AGGREGATES = [f"agg-{i}" for i in range(12)]  # keys that land on all three partitions
# The survivor may wait out the killed member's session, then rejoin: well inside this.
TAKEOVER_S = ConsumerSettings().session_timeout_ms / 1000 + 20


@contextlib.asynccontextmanager
async def consumer_process(
    stack: TestStack, db_url: str, topic: str, service: str, *flags: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A worker in its own process for the block; stopped with SIGTERM unless it died."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CONSUMER_PROCESS),
        db_url,
        stack.bootstrap,
        topic,
        service,
        *flags,
        env={**os.environ, "PYTHONPATH": str(CONSUMER_PROCESS.parent)},
        stdin=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()  # one still waiting to be told to go hears it will not be
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 60)


def go(process: asyncio.subprocess.Process) -> None:
    """Let a process started with --wait-for-go join its group."""
    assert process.stdin is not None
    process.stdin.write(b"go\n")


async def produce_until(stack: TestStack, topic: str, enough: asyncio.Event) -> int:
    """Keep events flowing, one per aggregate about ten times a second, until `enough` is
    set; returns how many were produced. Each aggregate's events are numbered 0, 1, 2, ..."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    n = 0
    try:
        while not enough.is_set():
            sends = [
                await producer.send(topic, probe_record(a, n), key=a.encode()) for a in AGGREGATES
            ]
            await asyncio.gather(*sends)
            n += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), 0.1)  # a pace, not a wait for a state
    finally:
        await producer.stop()
    return n * len(AGGREGATES)


async def effects_in_order(engine: AsyncEngine) -> dict[str, list[int]]:
    """Each aggregate's effects, in the order they were committed."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT aggregate, n FROM probe_effect ORDER BY seq"))
        found: dict[str, list[int]] = {}
        for aggregate, n in rows.all():
            found.setdefault(aggregate, []).append(n)
        return found


async def test_a_member_killed_mid_rebalance_loses_nothing_and_repeats_nothing(
    stack: TestStack, db_url: str, engine: AsyncEngine
) -> None:
    topic = await new_topic(stack, "test.rebalance.")
    service = unique_name("rebalance")
    group = f"trygg.{service}"
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    enough = asyncio.Event()
    async with (
        consumer_process(stack, db_url, topic, service, "--kill-when-revoked") as first,
        # Loaded beside the first, so that it joins at once when told to.
        consumer_process(stack, db_url, topic, service, "--wait-for-go") as second,
    ):
        await wait_owned(stack, group, 1, 3, "the first worker to hold every partition")
        producing = asyncio.create_task(produce_until(stack, topic, enough))
        try:

            async def handling() -> bool:
                return await scalar(engine, "SELECT count(*) FROM probe_effect") > 0

            await wait_until(handling, 60, "the first worker to handle events")
            # The second joins; the rebalance takes the first one's partitions, and it dies
            # right there, a batch perhaps half done, while events keep coming.
            go(second)
            assert await asyncio.wait_for(first.wait(), 90) == -signal.SIGKILL
            await wait_owned(stack, group, 1, 3, "the survivor to take every partition", TAKEOVER_S)
            enough.set()
            produced = await producing
            await wait_drained(stack, group, topic)
            assert second.returncode is None
        finally:
            enough.set()
            await asyncio.gather(producing, return_exceptions=True)

    effects = await effects_in_order(engine)
    # Every event's effect exactly once, each aggregate's in the order it was produced.
    assert effects == {a: list(range(produced // len(AGGREGATES))) for a in AGGREGATES}
    assert await scalar(engine, "SELECT count(*) FROM inbox") == produced
