"""A resident's tip puts one CloudEvent on trygg.tips.events, via the relay, matching its
committed JSON Schema and carrying nothing the tipster wrote."""

import json
import uuid
from collections.abc import AsyncIterator

import jsonschema
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import HOME, tip_body

from shared.db import asyncpg_dsn
from shared.events import CloudEvent
from shared.relay import Relay
from shared.schemas import schema_path
from shared.settings import DatabaseSettings, RelaySettings, events_topic
from shared.testing import (
    TestStack,
    api_client,
    migrate,
    records_keyed,
    recreate_database,
    running,
    wait_until,
)
from tips.app import create_app
from tips.categories import service as categories
from tips.config import Settings

pytestmark = pytest.mark.kafka

TOPIC = events_topic("tips")
RECEIVED = "se.trygg.tips.tip.received.v1"


@pytest.fixture(scope="module")
async def committed_db(stack: TestStack) -> str:
    """A database of its own: these requests commit, and other tests count outbox rows."""
    url = await recreate_database(stack, "tips_kafka")
    await migrate("tips", url)
    return url


@pytest.fixture(scope="module")
async def committed_engine(committed_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(committed_db)
    async with AsyncSession(engine) as session:
        await categories.install_defaults(session, HOME)
        await session.commit()
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def committing_app(settings: Settings, committed_db: str) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"db": DatabaseSettings(url=committed_db)}))
    yield app
    await app.state.engine.dispose()


async def _published(engine: AsyncEngine, tip_id: str) -> bool:
    async with engine.connect() as conn:
        pending = await conn.execute(
            text("SELECT count(*) FROM outbox WHERE aggregateid = :id AND published_at IS NULL"),
            {"id": tip_id},
        )
        return pending.scalar_one() == 0


async def test_a_tip_puts_one_cloudevent_on_the_topic_keyed_by_the_tip(
    stack: TestStack,
    committed_db: str,
    committed_engine: AsyncEngine,
    committing_app: FastAPI,
) -> None:
    body = tip_body(id=str(uuid.uuid4()), contact={"email": "tipsare@example.se", "consent": True})
    async with api_client(committing_app) as client:
        sent = await client.post(f"/public/{HOME}/tips", json=body)
        again = await client.post(f"/public/{HOME}/tips", json=body)
    assert (sent.status_code, again.status_code) == (201, 200), sent.text
    relay = Relay(
        "tips",
        asyncpg_dsn(committed_db),
        TOPIC,
        stack.kafka_settings(),
        RelaySettings(poll_interval_s=0.2),
    )
    async with running(relay.run):
        await wait_until(
            lambda: _published(committed_engine, body["id"]), 60, "the relay to publish the tip"
        )
    [record] = await records_keyed(
        stack.bootstrap, TOPIC, body["id"], stack.kafka_settings().partitions
    )
    event = CloudEvent.model_validate_json(record.value)
    assert (event.type, event.source, event.subject) == (RECEIVED, "/tips", body["id"])
    schema = json.loads(schema_path(RECEIVED).read_text())
    jsonschema.validate(event.data, schema)
    raw = record.value.decode()
    for private in (body["description"], "tipsare@example.se", "Gångtunneln"):
        assert private not in raw
