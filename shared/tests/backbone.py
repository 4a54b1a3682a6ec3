"""Building blocks of the backbone tests: writing probe events, running a relay or a consumer."""

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocol
from aiokafka.errors import GroupCoordinatorNotAvailableError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.consumer import ConsumerRunner, Observer
from shared.db import asyncpg_dsn, create_sessionmaker
from shared.kafka import create_topics
from shared.outbox import emit
from shared.relay import Relay
from shared.settings import ConsumerSettings, RelaySettings, dead_letter_topic
from shared.testing import ProbeHappened, TestStack, record_probe, unique_name, wait_until


async def write_probes(
    engine: AsyncEngine, probes: list[tuple[str, int]], per_txn: int = 50
) -> None:
    """Commit probe events through the outbox, `per_txn` to a transaction."""
    sessionmaker = create_sessionmaker(engine)
    for start in range(0, len(probes), per_txn):
        async with sessionmaker() as session, session.begin():
            for aggregate, n in probes[start : start + per_txn]:
                emit(session, ProbeHappened(aggregate=aggregate, n=n))


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def new_topic(stack: TestStack, prefix: str) -> str:
    topic = unique_name(prefix)
    await create_topics(stack.bootstrap, [topic], 3)
    return topic


def relay_for(stack: TestStack, db_url: str, topic: str) -> Relay:
    return Relay(
        unique_name("relay"),
        asyncpg_dsn(db_url),
        topic,
        stack.kafka_settings(send_timeout_s=5.0, stop_timeout_s=5.0),
        RelaySettings(poll_interval_s=0.2),
    )


async def consumer_for(
    stack: TestStack, engine: AsyncEngine, topic: str, after_db_commit: Observer | None = None
) -> ConsumerRunner:
    service = unique_name("svc")
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    return ConsumerRunner(
        service,
        [topic],
        {ProbeHappened.wire_type: record_probe},
        create_sessionmaker(engine),
        stack.kafka_settings(send_timeout_s=5.0, stop_timeout_s=5.0),
        ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
        after_db_commit=after_db_commit,
    )


async def produce_raw(stack: TestStack, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Put (key, value) records straight on a topic, as a foreign producer would."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def committed_offsets(stack: TestStack, group: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in offsets.items()}
    finally:
        await admin.close()


async def end_offsets(stack: TestStack, topic: str, partitions: int = 3) -> dict[int, int]:
    """The end offset of each partition that holds records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items() if offset > 0}
    finally:
        await consumer.stop()


async def wait_drained(stack: TestStack, group: str, topic: str) -> None:
    """Wait until the group's committed offsets reach the end of every partition."""
    ends = await end_offsets(stack, topic)

    async def caught_up() -> bool:
        return await committed_offsets(stack, group) == ends

    await wait_until(caught_up, 60, "the consumer's offsets to reach the end")


async def group_members(stack: TestStack, group: str) -> tuple[str, list[set[TopicPartition]]]:
    """The group's state ("Stable" once a rebalance is over) and each member's partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    [(_error, _group, state, _protocol_type, _protocol, members)] = response.groups
    return state, [
        set(ConsumerProtocol.ASSIGNMENT.decode(assignment).partitions()) if assignment else set()
        for _member, _client, _host, _metadata, assignment in members
    ]


async def wait_owned(
    stack: TestStack, group: str, owners: int, partitions: int, what: str, timeout_s: float = 60
) -> None:
    """Wait until the group is stable with `owners` members, each holding some of the
    `partitions`, and all of them held."""

    async def owned() -> bool:
        try:
            state, members = await group_members(stack, group)
        except GroupCoordinatorNotAvailableError:
            return False  # a fresh broker makes its offsets topic on the first group's call
        held = [len(m) for m in members]
        return state == "Stable" and len(held) == owners and all(held) and sum(held) == partitions

    await wait_until(owned, timeout_s, what)
