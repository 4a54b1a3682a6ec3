"""Creates answer 201 with a Location that reads what was made."""

import httpx
import pytest

from notify_testkit import stakeholder_body, token

pytestmark = pytest.mark.service


async def test_a_stakeholder_is_read_at_its_location(client: httpx.AsyncClient) -> None:
    response = await client.post("/stakeholders", json=stakeholder_body(), headers=token())
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/stakeholders/{response.json()['id']}"
    read = await client.get(response.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, response.json()["id"])


async def test_a_replayed_webhook_registration_points_at_the_same_place(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "municipality_code": "0683",
        "url": "https://93.184.215.14/trygg/events",
        "event_types": ["se.trygg.walks.action_plan.published.v1"],
    }
    keyed = {**token(), "Idempotency-Key": "webhook-location"}
    first = await client.post("/webhooks", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    replay = await client.post("/webhooks", json=body, headers=keyed)
    assert replay.headers["location"] == first.headers["location"]
    read = await client.get(first.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, first.json()["id"])
