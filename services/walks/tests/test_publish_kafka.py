"""Publishing a plan through the API puts one CloudEvent on trygg.walks.events, via the relay."""

import json

import httpx
import jsonschema
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.walks import ActionPlanPublished
from shared.db import asyncpg_dsn
from shared.events import CloudEvent
from shared.relay import Relay
from shared.schemas import schema_path
from shared.settings import RelaySettings, events_topic
from shared.testing import TestStack, records_keyed, running, wait_until
from walks_testkit import plan_body, token

pytestmark = pytest.mark.kafka

TOPIC = events_topic("walks")
PUBLISHED = "se.trygg.walks.action_plan.published.v1"


async def _published(engine: AsyncEngine, plan_id: str) -> bool:
    async with engine.connect() as conn:
        pending = await conn.execute(
            text("SELECT count(*) FROM outbox WHERE aggregateid = :id AND published_at IS NULL"),
            {"id": plan_id},
        )
        return pending.scalar_one() == 0


async def test_publishing_a_plan_puts_one_cloudevent_on_the_topic_keyed_by_the_plan(
    stack: TestStack, db_url: str, engine: AsyncEngine, committing_client: httpx.AsyncClient
) -> None:
    created = await committing_client.post("/action-plans", json=plan_body(), headers=token())
    plan_id = created.json()["id"]
    published = await committing_client.post(f"/action-plans/{plan_id}/publish", headers=token())
    assert published.status_code == 200, published.text
    plan = published.json()

    relay = Relay(
        "walks",
        asyncpg_dsn(db_url),
        TOPIC,
        stack.kafka_settings(),
        RelaySettings(poll_interval_s=0.2),
    )
    async with running(relay.run):
        await wait_until(lambda: _published(engine, plan_id), 60, "the relay to publish the plan")
    [record] = await records_keyed(
        stack.bootstrap, TOPIC, plan_id, stack.kafka_settings().partitions
    )

    event = CloudEvent.model_validate_json(record.value)
    assert (event.type, event.source, event.subject) == (PUBLISHED, "/walks", plan_id)
    assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
    jsonschema.Draft202012Validator(json.loads(schema_path(PUBLISHED).read_text())).validate(
        event.data
    )
    data = ActionPlanPublished.model_validate(event.data)
    assert data.affected_area.model_dump(mode="json") == plan["affected_area"]
    assert data.buffer_m == plan["buffer_m"]
    assert [str(m.measure_id) for m in data.measures] == [m["id"] for m in plan["measures"]]
    assert data.measures[0].responsible.key == plan["measures"][0]["responsible"]["key"]
    assert data.measures[0].due_date.isoformat() == plan["measures"][0]["due_date"]
