"""Every create answers 201 with a Location that reads what it made, replayed creates too."""

import pytest

from shared.idempotency import REPLAY_HEADER
from walks_testkit import Api, observation_body, plan_body, token, walk_body

pytestmark = pytest.mark.service


async def test_a_scheduled_walk_is_read_at_its_location(api: Api) -> None:
    created = await api.client.post("/walks", json=walk_body(), headers=token())
    assert created.status_code == 201
    assert created.headers["location"] == f"/walks/{created.json()['id']}"
    read = await api.client.get(created.headers["location"], headers=token())
    assert read.status_code == 200
    assert read.json() == created.json()


async def test_a_replayed_create_points_at_the_same_place(api: Api) -> None:
    keyed = {**token(), "Idempotency-Key": "location-replay"}
    body = walk_body()
    first = await api.client.post("/walks", json=body, headers=keyed)
    replay = await api.client.post("/walks", json=body, headers=keyed)
    assert replay.headers[REPLAY_HEADER] == "true"
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["location"] == f"/walks/{first.json()['id']}"


async def test_an_action_plan_and_an_observation_are_read_at_their_locations(api: Api) -> None:
    plan = await api.client.post("/action-plans", json=plan_body(), headers=token())
    assert plan.status_code == 201, plan.text
    read = await api.client.get(plan.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, plan.json()["id"])

    walk = (await api.client.post("/walks", json=walk_body(), headers=token())).json()
    observation = await api.client.post(
        f"/walks/{walk['id']}/observations", json=observation_body(), headers=token()
    )
    assert observation.status_code == 201, observation.text
    read = await api.client.get(observation.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, observation.json()["id"])


async def test_a_location_is_read_only_with_a_token_for_its_municipality(api: Api) -> None:
    created = await api.client.post("/walks", json=walk_body(), headers=token())
    elsewhere = await api.client.get(
        created.headers["location"], headers=token(municipalities=["0180"])
    )
    assert elsewhere.status_code == 404
