"""The walks-to-notify system the cross-service tests run: walks' real app and relay, notify's
app, consumer and dispatcher, against the test stack's Kafka and PostgreSQL, with a real SMTP
server, the 46elks gateway stub and a webhook receiver taking what notify sends.

Other tests write to trygg.walks.events too: the system reads with a consumer group of its own
whose offsets start at the topic's end, in a municipality and a place no other test uses.
"""

import contextlib
import email
import email.policy
import random
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import notify.app
import notify.worker
import walks.app
from notify.config import (
    DispatcherSettings,
    PublicSettings,
    SmsSettings,
    SmtpSettings,
    WebhookSettings,
)
from notify.config import Settings as NotifySettings
from notify_testkit import Receiver, load_sink, serving, smtp_server
from shared.consumer import ConsumerRunner
from shared.db import asyncpg_dsn, create_sessionmaker
from shared.kafka import create_topics
from shared.relay import Relay
from shared.settings import (
    ConsumerSettings,
    DatabaseSettings,
    RelaySettings,
    dead_letter_topic,
    events_topic,
)
from shared.testing import (
    TestStack,
    api_client,
    bearer,
    find_event,
    migrate,
    recreate_database,
    running,
    unique_name,
    wait_until,
)
from walks.config import Settings as WalksSettings

TOPIC = events_topic("walks")
KM_LON, KM_LAT = 0.02, 0.009  # roughly, at 63° north


@dataclass
class Place:
    """A spot of Norrland no other test uses, and a municipality code no other test uses."""

    lon: float
    lat: float
    municipality: str

    def square(self, dx_km: float = 0, size_km: float = 1.0) -> dict[str, Any]:
        lon, half_x, half_y = self.lon + dx_km * KM_LON, size_km * KM_LON / 2, size_km * KM_LAT / 2
        w, e, s, n = lon - half_x, lon + half_x, self.lat - half_y, self.lat + half_y
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}

    def point(self, dx_km: float = 0) -> dict[str, Any]:
        return {"type": "Point", "coordinates": [self.lon + dx_km * KM_LON, self.lat]}


@pytest.fixture(scope="module")
async def databases(stack: TestStack) -> dict[str, str]:
    urls = {}
    for service in ("walks", "notify"):
        urls[service] = await recreate_database(stack, f"{service}_e2e_n")
        await migrate(service, urls[service])
    return urls


async def start_at_the_end(
    stack: TestStack, group: str, partitions: int = 3, topic: str = TOPIC
) -> None:
    """Commit the group's offsets at the topic's end: earlier events are other tests'."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.commit({tp: OffsetAndMetadata(end, "") for tp, end in ends.items()})
    finally:
        await consumer.stop()


def notify_settings(stack: TestStack, url: str, smtp: int, sms: str) -> NotifySettings:
    return NotifySettings(
        db=DatabaseSettings(url=url, pool_size=5),
        kafka=stack.kafka_settings(),
        consumer=ConsumerSettings(backoff_initial_s=0.1, backoff_max_s=1.0),
        smtp=SmtpSettings(port=smtp, connections=2),
        sms=SmsSettings(base_url=sms),
        webhooks=WebhookSettings(schemes=["http"], allow_private_networks=["127.0.0.0/8"]),
        public=PublicSettings(base_url="http://notify.test", rate_per_minute=1000),
        dispatcher=DispatcherSettings(poll_interval_s=0.05, backoff_initial_s=0.1),
    )


@dataclass
class System:
    place: Place
    walks: httpx.AsyncClient
    notify: httpx.AsyncClient
    inbox: Any
    sms: Any
    receiver: Receiver
    receiver_url: str
    consumer: ConsumerRunner
    notify_engine: AsyncEngine

    def emails_to(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.inbox.messages
            if address in e.rcpt_tos
        ]

    def sms_to(self, number: str) -> list[str]:
        return [m["message"] for m in self.sms.messages if m["to"] == number]


@pytest.fixture
async def system(
    stack: TestStack, databases: dict[str, str], tmp_path: Path
) -> AsyncIterator[System]:
    place = Place(
        random.uniform(15.0, 20.0), random.uniform(60.0, 66.0), f"9{random.randint(0, 999):03d}"
    )
    service = unique_name("notify_e2e_")
    await create_topics(stack.bootstrap, [dead_letter_topic(service)], 1)
    await start_at_the_end(stack, f"trygg.{service}")
    receiver = Receiver()
    walks_app = walks.app.create_app(
        WalksSettings(db=DatabaseSettings(url=databases["walks"]), kafka=stack.kafka_settings())
    )
    relay = Relay(
        "walks",
        asyncpg_dsn(databases["walks"]),
        TOPIC,
        stack.kafka_settings(),
        RelaySettings(poll_interval_s=0.2),
    )
    async with contextlib.AsyncExitStack() as stack_of:
        port, inbox = stack_of.enter_context(smtp_server())
        sms_url, sms = await stack_of.enter_async_context(
            load_sink("sms_gateway").running(tmp_path)
        )
        hook_url = await stack_of.enter_async_context(serving(receiver.app))
        settings = notify_settings(stack, databases["notify"], port, sms_url)
        notify_app = notify.app.create_app(settings)
        engine = notify_app.state.engine
        sessionmaker = create_sessionmaker(engine)
        consumer = notify.worker.consumer(settings, sessionmaker, service=service)
        outbound = notify.worker.channels(settings)
        stack_of.push_async_callback(outbound.aclose)
        dispatcher = notify.worker.dispatcher(settings, sessionmaker, outbound)
        await stack_of.enter_async_context(running(relay.run))
        await stack_of.enter_async_context(running(consumer.run))
        await stack_of.enter_async_context(running(dispatcher.run))
        walks_client = await stack_of.enter_async_context(api_client(walks_app))
        notify_client = await stack_of.enter_async_context(api_client(notify_app))
        yield System(
            place, walks_client, notify_client, inbox, sms, receiver, hook_url, consumer, engine
        )
    # After every job above has stopped.
    await walks_app.state.engine.dispose()
    await engine.dispose()


def staff(place: Place) -> dict[str, str]:
    return bearer(["notify:read", "notify:write"], [place.municipality])


async def subscribe(system: System, body: dict[str, Any]) -> None:
    body = {"municipality_code": system.place.municipality, **body}
    response = await system.notify.post("/subscriptions", json=body)
    assert response.status_code == 202, response.text


async def eventually(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    async def holds() -> bool:
        return condition()

    await wait_until(holds, timeout_s, what)


async def follow_confirmation(system: System, text_with_link: str) -> None:
    """Open the link, then press the page's button, as the resident would."""
    match = re.search(r"http://notify\.test(/subscriptions/confirm/[A-Za-z0-9_-]+)", text_with_link)
    assert match, text_with_link
    page = await system.notify.get(match[1])
    assert page.status_code == 200
    confirmed = await press(system, match[1], page.text, "confirm")
    assert "bekräftad" in confirmed.text


async def press(system: System, page_url: str, page: str, action: str) -> httpx.Response:
    """Submit the page's form whose address leads to `action` (forms post to addresses
    relative to the page)."""
    targets = re.findall(r'<form method="post" action="([^"]+)">', page)
    [target] = [t for t in targets if t.split("/")[-2] == action]
    response = await system.notify.post(urljoin(page_url, target))
    assert response.status_code == 200, response.text
    return response


async def residents(system: System) -> None:
    """Four residents subscribe; three follow the link in their confirmation message."""
    p = system.place
    topics = {"action_plans": "email"}
    await subscribe(
        system,
        {
            "email": "inne@example.se",
            "place": {"kind": "point", "center": p.point(), "radius_m": 100},
            "topics": topics,
        },
    )
    await subscribe(
        system,
        {
            "phone": "0701234567",
            "place": {"kind": "area", "polygon": p.square(size_km=0.5)},
            "topics": {"action_plans": "sms"},
        },
    )
    await subscribe(
        system,
        {
            "email": "borta@example.se",
            "place": {"kind": "point", "center": p.point(dx_km=6), "radius_m": 100},
            "topics": topics,
        },
    )
    await subscribe(
        system,
        {
            "email": "obekraftad@example.se",
            "place": {"kind": "point", "center": p.point()},
            "topics": topics,
        },
    )
    await eventually(
        lambda: len(system.inbox.messages) == 3 and len(system.sms.messages) == 1,
        "the confirmations",
    )
    for address in ("inne@example.se", "borta@example.se"):
        [confirmation] = system.emails_to(address)
        await follow_confirmation(system, confirmation.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    [sms] = system.sms_to("+46701234567")
    await follow_confirmation(system, sms)


async def stakeholder_and_webhook(system: System) -> str:
    p = system.place
    stakeholder = {
        "municipality_code": p.municipality,
        "key": f"dept:{p.municipality}:GATA",
        "name": "Gatuavdelningen",
        "kind": "municipal_department",
        "contacts": [{"name": "Gatuchef", "email": "gata@kommun.example.se", "channel": "email"}],
    }
    response = await system.notify.post("/stakeholders", json=stakeholder, headers=staff(p))
    assert response.status_code == 201, response.text
    hook = {
        "municipality_code": p.municipality,
        "url": f"{system.receiver_url}/hook",
        "event_types": ["se.trygg.walks.action_plan.published.v1"],
    }
    response = await system.notify.post("/webhooks", json=hook, headers=staff(p))
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


async def publish_plan(system: System) -> str:
    p = system.place
    headers = bearer(["walks:read", "walks:write", "walks:publish"], [p.municipality])
    plan = {
        "municipality_code": p.municipality,
        "locality": "Testbyn",
        "title": "Tryggare kvällar i Testbyn",
        "public_summary": "Bättre belysning längs vägen mellan skolan och stationen.",
        "affected_area": p.square(),
        "buffer_m": 200,
        "measures": [
            {
                "title": "Byt trasiga armaturer i gångtunneln",
                "responsible": {"name": "Gatuavdelningen", "department_code": "GATA"},
                "priority": "high",
                "due_date": "2027-12-20",
            }
        ],
    }
    created = await system.walks.post("/action-plans", json=plan, headers=headers)
    assert created.status_code == 201, created.text
    plan_id: str = created.json()["id"]
    published = await system.walks.post(f"/action-plans/{plan_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return plan_id


async def notifications_of(system: System, event_type: str) -> list[dict[str, Any]]:
    async with system.notify_engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT n.recipient_kind, n.channel, n.address, n.status FROM notification n "
                "JOIN message m ON m.id = n.message_id WHERE m.event_type = :t"
            ),
            {"t": event_type},
        )
        return [dict(r._mapping) for r in rows]


async def redeliver(stack: TestStack, system: System, event_id: str) -> None:
    """Produce the plan's record again, as a broker would on a redelivery, and wait until the
    consumer has committed past it (and the dispatcher had time for anything it created)."""
    record = await find_event(stack.bootstrap, TOPIC, event_id)
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            TOPIC, record.value, key=record.key, headers=list(record.headers)
        )
    finally:
        await producer.stop()
    group = system.consumer.group_id
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:

        async def consumed_past() -> bool:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = offsets.get(TopicPartition(TOPIC, sent.partition))
            return committed is not None and committed.offset > sent.offset

        await wait_until(consumed_past, 60, "the redelivered record to be consumed")
    finally:
        await admin.close()
    await settle(system)


async def settle(system: System) -> None:
    """Wait until nothing is left to send. The consumer commits its rows before its offset, so
    once it is past the redelivered record, anything that record created is in the table."""

    async def nothing_to_send() -> bool:
        async with system.notify_engine.connect() as conn:
            waiting = await conn.execute(
                text(
                    "SELECT count(*) FROM notification "
                    "WHERE status IN ('created', 'sending') OR next_attempt_at IS NOT NULL"
                )
            )
            return int(waiting.scalar_one()) == 0

    await wait_until(nothing_to_send, 30, "the dispatcher to have nothing left to send")
