"""A three-broker cluster (TRYGG_KAFKA_BROKERS=3) keeps every acknowledged event when a broker,
the active controller among them, is SIGKILLed under load; producers and consumer groups keep
going, and `stack.sh kafka-up` brings back just the dead broker."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from cluster_rig import (
    Broker,
    Cluster,
    NumberStream,
    admin_for,
    cluster_beside,
    group_consumer,
    read_numbers,
    read_to_the_end,
    sigkill,
)
from shared.kafka import all_topics, create_topics
from shared.settings import KafkaSettings
from shared.testing import TestStack, running, unique_name, wait_until

pytestmark = pytest.mark.kafka

PARTITIONS = 3


@pytest.fixture(scope="module")
async def cluster(
    stack: TestStack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    cluster = cluster_beside(stack.script, Path(tmp_path_factory.mktemp("kafka-cluster")))
    try:
        await cluster.run("kafka-up")
        yield cluster
    finally:
        await cluster.run("kafka-down")


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> list[dict[str, Any]]:
    (described,) = await admin.describe_topics([topic])
    assert described["error_code"] == 0, described
    partitions: list[dict[str, Any]] = described["partitions"]
    return partitions


async def _known(admin: AIOKafkaAdminClient, topic: str) -> list[dict[str, Any]]:
    """The topic's partitions, once the broker the admin asks knows it: one created a moment ago
    (the offsets topic, by the first coordinator lookup) reaches each broker's metadata in its
    own time, and each request may go to another broker."""
    found: list[dict[str, Any]] = []

    async def described() -> bool:
        (answer,) = await admin.describe_topics([topic])
        found[:] = answer["partitions"] if answer["error_code"] == 0 else []
        return bool(found)

    await wait_until(described, 60, f"a broker to know {topic}")
    return found


async def _topic_setting(admin: AIOKafkaAdminClient, topic: str, name: str) -> str:
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    (resource,) = response.resources
    return str(next(entry[1] for entry in resource[4] if entry[0] == name))


async def _coordinator(admin: AIOKafkaAdminClient, group: str) -> int:
    """The broker coordinating `group`, once one is (the offsets topic may be new or moving)."""
    found: list[int] = []

    async def answered() -> bool:
        try:
            found.append(await admin.find_coordinator(group))
        except Exception:
            return False
        return True

    await wait_until(answered, 60, f"a coordinator for {group}")
    return found[-1]


async def _group_coordinated_by(admin: AIOKafkaAdminClient, broker: Broker) -> str:
    """A group whose coordinator (its offsets partition's leader) is on `broker`."""
    prefix = unique_name("cluster-group-")
    for k in range(200):
        if await _coordinator(admin, f"{prefix}-{k}") == broker.node_id:
            return f"{prefix}-{k}"
    raise AssertionError(f"no group of 200 is coordinated by {broker.name}")


async def test_topics_and_internal_topics_keep_three_copies_and_need_two_for_a_write(
    cluster: Cluster,
) -> None:
    async with admin_for(cluster.bootstrap) as admin:
        await _coordinator(admin, unique_name("cluster-probe-"))  # creates the offsets topic
        for topic in [*all_topics(), "__consumer_offsets"]:
            partitions = await _known(admin, topic)
            assert partitions, topic
            assert all(len(p["replicas"]) == 3 for p in partitions), (topic, partitions)
        for topic in all_topics():
            assert await _topic_setting(admin, topic, "min.insync.replicas") == "2"


async def test_a_killed_controller_broker_loses_nothing_and_producers_keep_going(
    cluster: Cluster,
) -> None:
    topic = unique_name("test.cluster.")
    await create_topics(cluster.bootstrap, [topic], PARTITIONS, 3, 2)
    stream = NumberStream(KafkaSettings(bootstrap_servers=cluster.bootstrap), topic)

    async def progress_on_every_partition(since: Counter[int]) -> bool:
        return stream.acked_everywhere_beyond(since, 100)

    async with admin_for(cluster.bootstrap) as admin, running(stream.run):
        await wait_until(lambda: progress_on_every_partition(Counter()), 60, "the stream to start")
        victim = await cluster.active_controller()
        group = await _group_coordinated_by(admin, victim)
        survivors = {b.name: b.pid for b in (await cluster.brokers()).values() if b != victim}

        sigkill(victim)
        at_kill = stream.acked
        # The partitions it led get other leaders, and the stream goes on on every one of them.
        since_kill = stream.acked_by_partition.copy()
        await wait_until(
            lambda: progress_on_every_partition(since_kill), 90, "acks with a broker dead"
        )

        async def another_controller() -> bool:
            return (await cluster.active_controller()).name != victim.name

        async def another_coordinator() -> bool:
            return await _coordinator(admin, group) != victim.node_id

        await wait_until(another_controller, 60, "the quorum to elect another controller")
        await wait_until(another_coordinator, 60, "the group's coordinator to move")
        # The group, its coordinator gone, still joins and commits what it read.
        first = group_consumer(cluster.bootstrap, topic, group)
        await first.start()
        try:
            read_first = await asyncio.wait_for(read_numbers(first, at_kill), 90)
            await first.commit()
        finally:
            await first.stop()

        await cluster.run("kafka-up")
        brokers = await cluster.brokers()
        assert {n: brokers[n].pid for n in survivors} == survivors  # the others left alone
        assert brokers[victim.name].pid not in (None, victim.pid)

        async def replicas_caught_up() -> bool:
            return all(len(p["isr"]) == 3 for p in await _partitions(admin, topic))

        since_restart = stream.acked_by_partition.copy()
        await wait_until(
            lambda: progress_on_every_partition(since_restart), 90, "acks after the restart"
        )
        await wait_until(replicas_caught_up, 90, "the restarted broker to rejoin every ISR")

    assert not stream.failures, stream.failures
    assert stream.acked == stream.sent
    second = group_consumer(cluster.bootstrap, topic, group)
    await second.start()
    try:
        read_second = await asyncio.wait_for(read_to_the_end(second, topic, PARTITIONS), 90)
    finally:
        await second.stop()
    # Every number exactly once: nothing lost, no duplicate from the producer's retries, and
    # the group went on from the offsets it committed while the broker was dead.
    assert sorted(read_first + read_second) == list(range(stream.sent))
