"""A signed citizens' promise on trygg.patrols.events, through notify's real consumer and
dispatcher, reaches the inbox (a real SMTP server) of a resident who chose the promise, once:
the same record delivered again sends nothing more.

Other tests write to the events topics too: the consumer reads with a group of its own whose
offsets start at the topics' end, in a municipality code no other test uses, and writes to a
database of its own.
"""

import contextlib
import email
import email.policy
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata, RecordMetadata
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import notify.app
import notify.worker
from notify.config import DispatcherSettings, PublicSettings, Settings, SmtpSettings
from notify_testkit import Inbox, smtp_server, square
from shared.consumer import ConsumerRunner
from shared.contracts.patrols import PromiseSigned
from shared.db import create_sessionmaker
from shared.events import envelope
from shared.kafka import create_topics
from shared.relay import CONTENT_TYPE_HEADER
from shared.settings import ConsumerSettings, DatabaseSettings, dead_letter_topic, events_topic
from shared.testing import (
    TestStack,
    api_client,
    migrate,
    recreate_database,
    running,
    unique_name,
    wait_until,
)

pytestmark = pytest.mark.kafka
PATROLS = events_topic("patrols")
PUBLIC_URL = "https://kommun.example.se/medborgarloften/tryggare-testbyn"
SUBJECT = "Medborgarlöftet Tryggare Testbyn är undertecknat"


@pytest.fixture(scope="module")
async def database(stack: TestStack) -> str:
    url = await recreate_database(stack, "notify_promise_kafka")
    await migrate("notify", url)
    return url


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

    def promises_to(self, address: str) -> list[EmailMessage]:
        received = [
            email.message_from_bytes(e.original_content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.inbox.messages
            if address in e.rcpt_tos
        ]
        return [m for m in received if m["Subject"].startswith("Medborgarlöftet")]


@pytest.fixture
async def rig(stack: TestStack, database: str) -> AsyncIterator[Rig]:
    service = unique_name("notify_promise_")
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
                yield Rig(client, inbox, consumer, engine, municipality)
        finally:
            await outbound.aclose()
            await engine.dispose()


async def subscribed(rig: Rig, address: str) -> None:
    """A resident who chose the promise, confirmed; their place is anywhere in the
    municipality, since the promise is the whole municipality's."""
    where = (random.uniform(15.0, 20.0), random.uniform(60.0, 66.0))
    body = {
        "email": address,
        "municipality_code": rig.municipality,
        "place": {"kind": "area", "polygon": square(*where, size_km=0.5)},
        "topics": {"promise": "email"},
    }
    response = await rig.client.post("/subscriptions", json=body)
    assert response.status_code == 202, response.text
    async with rig.engine.begin() as conn:
        confirmed = await conn.execute(
            text("UPDATE subscription SET status = 'confirmed' WHERE email = :e"), {"e": address}
        )
        assert confirmed.rowcount == 1


def promise_signed(rig: Rig) -> PromiseSigned:
    return PromiseSigned.model_validate(
        {
            "municipality_code": rig.municipality,
            "promise_id": str(uuid.uuid4()),
            "title": "Tryggare Testbyn",
            "parties": ["Testbyns kommun", "Polisen i Testbyn"],
            "period_start": date(2027, 1, 1).isoformat(),
            "period_end": date(2027, 12, 31).isoformat(),
            "public_url": PUBLIC_URL,
            "focus_areas": ["Centrum"],
            "commitments": [
                {
                    "commitment_id": str(uuid.uuid4()),
                    "title": "Trygghetsvandringar",
                    "indicator": "walks_held",
                    "target": 4,
                    "achieved": 0,
                }
            ],
            "signed_at": datetime(2027, 1, 20, 10, tzinfo=UTC).isoformat(),
        }
    )


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


def record(event: PromiseSigned) -> tuple[bytes, bytes]:
    return event.aggregate_id().encode(), envelope(event).model_dump_json().encode()


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


async def test_a_signed_promise_reaches_a_resident_who_chose_it_once(
    rig: Rig, stack: TestStack
) -> None:
    await subscribed(rig, "invanare@example.se")
    signed = record(promise_signed(rig))
    await produce(stack, [signed])

    async def arrived() -> bool:
        return len(rig.promises_to("invanare@example.se")) == 1

    await wait_until(arrived, 60, "the promise's email")
    [message] = rig.promises_to("invanare@example.se")
    assert message["Subject"] == SUBJECT
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "Testbyns kommun och Polisen i Testbyn har undertecknat medborgarlöftet Tryggare "
        f"Testbyn för 2027. Läs mer: {PUBLIC_URL}" in body
    )

    # The same record again: a redelivery.
    sent = await produce(stack, [signed])
    await consumed_past(stack, rig, sent)
    await nothing_to_send(rig)
    assert len(rig.promises_to("invanare@example.se")) == 1
    async with rig.engine.connect() as conn:
        messages = await conn.execute(
            text("SELECT count(*) FROM message WHERE kind = 'promise_signed'")
        )
        assert messages.scalar_one() == 1
