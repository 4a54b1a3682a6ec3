"""notify's consumer and dispatcher over trygg.patrols.events, for the kafka-tier tests of what
patrols' events tell residents: a consumer group of its own whose offsets start at the topics'
end, a real SMTP server, records put on the topic as patrols' relay puts them, and the waits
that say a record was handled and nothing is left to send."""

import contextlib
import email
import email.policy
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata, RecordMetadata
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import notify.app
import notify.worker
from notify.config import DispatcherSettings, PublicSettings, Settings, SmtpSettings
from notify_testkit import Inbox, smtp_server
from shared.consumer import ConsumerRunner
from shared.db import create_sessionmaker
from shared.events import Contract, envelope
from shared.kafka import create_topics
from shared.relay import CONTENT_TYPE_HEADER
from shared.settings import ConsumerSettings, DatabaseSettings, dead_letter_topic, events_topic
from shared.testing import TestStack, api_client, running, unique_name, wait_until

PATROLS = events_topic("patrols")


async def start_at_the_end(stack: TestStack, group: str, topics: list[str]) -> None:
    """Commit the group's offsets at the topics' end: earlier events are other tests'."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    tps = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.commit({tp: OffsetAndMetadata(end, "") for tp, end in ends.items()})
    finally:
        await consumer.stop()


@dataclass
class Rig:
    client: httpx.AsyncClient
    inbox: Inbox
    consumer: ConsumerRunner
    engine: AsyncEngine
    municipality: str
    # A place of Norrland no other test uses.
    where: tuple[float, float]

    def emails_to(self, address: str) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.inbox.messages
            if address in e.rcpt_tos
        ]


@contextlib.asynccontextmanager
async def rig_of(stack: TestStack, database: str, name: str) -> AsyncIterator[Rig]:
    """notify's app, consumer and dispatcher on `database`, a municipality no other test uses."""
    service = unique_name(name)
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    await start_at_the_end(stack, f"trygg.{service}", notify.worker.TOPICS)
    with smtp_server() as (port, inbox):
        settings = Settings(
            db=DatabaseSettings(url=database, pool_size=3),
            kafka=stack.kafka_settings(),
            consumer=ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
            smtp=SmtpSettings(port=port, connections=1),
            public=PublicSettings(base_url="http://notify.test", rate_per_minute=1000),
            dispatcher=DispatcherSettings(poll_interval_s=0.05, backoff_initial_s=0.1),
        )
        app = notify.app.create_app(settings)
        engine = app.state.engine
        sessionmaker = create_sessionmaker(engine)
        consumer = notify.worker.consumer(settings, sessionmaker, service=service)
        outbound = notify.worker.channels(settings)
        dispatcher = notify.worker.dispatcher(settings, sessionmaker, outbound)
        try:
            async with contextlib.AsyncExitStack() as jobs:
                await jobs.enter_async_context(running(consumer.run))
                await jobs.enter_async_context(running(dispatcher.run))
                client = await jobs.enter_async_context(api_client(app))
                municipality = f"9{random.randint(0, 999):03d}"
                where = (random.uniform(15.0, 20.0), random.uniform(60.0, 66.0))
                yield Rig(client, inbox, consumer, engine, municipality, where)
        finally:
            await outbound.aclose()
            await engine.dispose()


async def confirmed(rig: Rig, body: dict[str, object]) -> None:
    """A resident subscribed, and confirmed without the link (the link is tested elsewhere)."""
    response = await rig.client.post("/subscriptions", json=body)
    assert response.status_code == 202, response.text
    async with rig.engine.begin() as conn:
        changed = await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE email = :e"),
            {"e": body["email"]},
        )
        assert changed.rowcount == 1


def record(event: Contract) -> tuple[bytes, bytes]:
    return event.aggregate_id().encode(), envelope(event).model_dump_json().encode()


async def produce(stack: TestStack, records: list[tuple[bytes, bytes]]) -> list[RecordMetadata]:
    """Put records on trygg.patrols.events as patrols' relay does: keyed, with their headers."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        sent = []
        for key, value in records:
            headers = [("id", uuid.uuid4().hex.encode()), CONTENT_TYPE_HEADER]
            sent.append(await producer.send_and_wait(PATROLS, value, key=key, headers=headers))
        return sent
    finally:
        await producer.stop()


async def consumed_past(stack: TestStack, rig: Rig, sent: list[RecordMetadata]) -> None:
    """Wait until the consumer has committed past every record sent: what they created is in
    the database by then (rows commit before offsets)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:

        async def past() -> bool:
            offsets = await admin.list_consumer_group_offsets(rig.consumer.group_id)
            for meta in sent:
                committed = offsets.get(TopicPartition(PATROLS, meta.partition))
                if committed is None or committed.offset <= meta.offset:
                    return False
            return True

        await wait_until(past, 60, "the records to be consumed")
    finally:
        await admin.close()


async def nothing_to_send(rig: Rig) -> None:
    async def settled() -> bool:
        async with rig.engine.connect() as conn:
            waiting = await conn.execute(
                text(
                    "SELECT count(*) FROM notification "
                    "WHERE status IN ('created', 'sending') OR next_attempt_at IS NOT NULL"
                )
            )
            return int(waiting.scalar_one()) == 0

    await wait_until(settled, 30, "the dispatcher to have nothing left to send")
