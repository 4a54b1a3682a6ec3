"""Creates answer 201 with a Location that staff read what was made at."""

import pytest
from tips_testkit import HOME, Api, tip_body, token

pytestmark = pytest.mark.service


async def test_a_tip_is_read_by_staff_at_its_location(api: Api) -> None:
    await api.categories()
    response = await api.client.post(f"/public/{HOME}/tips", json=tip_body())
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/tips/{response.json()['id']}"
    read = await api.client.get(response.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, response.json()["id"])


async def test_a_dialogue_is_read_at_its_location(api: Api) -> None:
    body = {"title": "Dialog i Forsheda", "held_on": "2026-11-02", "locality": "Forsheda"}
    response = await api.client.post(
        f"/municipalities/{HOME}/dialogues", json=body, headers=token()
    )
    assert response.status_code == 201, response.text
    read = await api.client.get(response.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, response.json()["id"])
