"""Two notify workers as deployed (`python -m notify.worker`, each on a metrics port of its
own) share the consumer group: a stream of action plans across every partition is handled by
both, each event's effect once (one inbox row, one message, one notification), and each
notification is delivered once although both workers' dispatchers claim from the same queue."""

import asyncio
import contextlib
import os
import random
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import create_async_engine

import notify.app
import notify.worker
from backbone import scalar, wait_owned
from notify_testkit import Receiver, free_port, published, serving
from plan_system import notify_settings, start_at_the_end
from scraping import until_scraped, value
from shared.events import envelope
from shared.settings import events_topic
from shared.testing import TestStack, api_client, bearer, migrate, recreate_database, wait_until

pytestmark = pytest.mark.kafka
GROUP = "trygg.notify"
PLANS = 90
PLAN_PUBLISHED = "se.trygg.walks.action_plan.published.v1"


@contextlib.asynccontextmanager
async def notify_worker(
    stack: TestStack, db_url: str, metrics_port: int, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m notify.worker` for the block, stopped with SIGTERM."""
    env = {
        **os.environ,
        "NOTIFY_DB__URL": db_url,
        "NOTIFY_KAFKA__BOOTSTRAP_SERVERS": stack.bootstrap,
        "NOTIFY_WORKER__METRICS_PORT": str(metrics_port),
        "NOTIFY_WEBHOOKS__SCHEMES": '["http"]',
        "NOTIFY_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NOTIFY_DISPATCHER__POLL_INTERVAL_S": "0.2",
    }
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notify.worker", env=env, stdout=out, stderr=out
        )
    try:
        yield process
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 60) == 0, f"see {log}"


async def register_webhook(stack: TestStack, db_url: str, municipality: str, url: str) -> None:
    settings = notify_settings(stack, db_url, smtp=free_port(), sms="http://127.0.0.1:9")
    app = notify.app.create_app(settings)
    hook = {"municipality_code": municipality, "url": url, "event_types": [PLAN_PUBLISHED]}
    staff = bearer(["notify:read", "notify:write"], [municipality])
    try:
        async with api_client(app) as client:
            response = await client.post("/webhooks", json=hook, headers=staff)
            assert response.status_code == 201, response.text
    finally:
        await app.state.engine.dispose()


async def publish_plans(stack: TestStack, municipality: str) -> set[str]:
    """Action plans published one after another, keyed by plan as the relay keys them, so
    they land on every partition; returns their event ids."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    ids = set()
    try:
        for _ in range(PLANS):
            plan = published(municipality_code=municipality)
            event = envelope(plan)
            ids.add(event.id)
            value = event.model_dump_json().encode()
            await producer.send(events_topic("walks"), value, key=plan.aggregate_id().encode())
        await producer.flush()
    finally:
        await producer.stop()
    return ids


async def test_two_notify_workers_share_the_plans_and_each_is_told_once(
    stack: TestStack, tmp_path: Path
) -> None:
    db_url = await recreate_database(stack, "notify_two_workers")
    await migrate("notify", db_url)
    municipality = f"9{random.randint(0, 999):03d}"
    for topic in notify.worker.TOPICS:
        await start_at_the_end(stack, GROUP, topic=topic)
    receiver = Receiver()
    ports = [free_port(), free_port()]
    async with contextlib.AsyncExitStack() as running:
        hook_url = await running.enter_async_context(serving(receiver.app))
        await register_webhook(stack, db_url, municipality, f"{hook_url}/hook")
        for i, port in enumerate(ports):
            log = tmp_path / f"notify-worker-{i + 1}.log"
            await running.enter_async_context(notify_worker(stack, db_url, port, log))
        partitions = 3 * len(notify.worker.TOPICS)
        await wait_owned(stack, GROUP, 2, partitions, "both workers to hold partitions", 120)
        event_ids = await publish_plans(stack, municipality)

        async def all_delivered() -> bool:
            [delivered] = await counts(
                db_url, "SELECT count(*) FROM notification WHERE status = 'delivered'"
            )
            return len(receiver.requests) >= PLANS and delivered == len(event_ids)

        await wait_until(all_delivered, 90, "every plan's webhook to be delivered")
        # Each worker handled some of the plans, and together each plan once.
        handled = [
            value(
                await until_scraped(port, "the consumer's counts", lambda s: True),
                "trygg_events_consumed_total",
                service="notify",
                outcome="handled",
            )
            for port in ports
        ]
        assert all(h for h in handled), handled
        assert sum(h or 0 for h in handled) == PLANS

    assert (
        await counts(
            db_url,
            "SELECT count(*) FROM inbox",
            "SELECT count(*) FROM message",
            "SELECT count(DISTINCT event_id) FROM message",
            "SELECT count(*) FROM notification",
        )
        == [PLANS] * 4
    )
    delivered_ids = Counter(headers["webhook-id"] for headers, _body in receiver.requests)
    assert len(delivered_ids) == PLANS
    assert set(delivered_ids.values()) == {1}


async def counts(db_url: str, *queries: str) -> list[int]:
    engine = create_async_engine(db_url)
    try:
        return [await scalar(engine, sql) for sql in queries]
    finally:
        await engine.dispose()
