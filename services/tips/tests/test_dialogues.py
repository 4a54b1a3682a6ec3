"""Citizen dialogues: recorded by staff, and what residents raised there recorded as tips."""

import uuid
from typing import Any

import pytest
from tips_testkit import HOME, OTHER, Api, token

pytestmark = pytest.mark.service

DIALOGUE = {"title": "Medborgardialog i Forsheda", "held_on": "2026-11-24", "locality": "Forsheda"}


def concern(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "category": "unsafe_place",
        "description": "Busshållplatsen vid torget är mörk på kvällarna.",
        "locality": "Forsheda",
        "answers": {"why": ["lighting"]},
    }
    return body | overrides


async def dialogue(api: Api, municipality: str = HOME) -> dict[str, Any]:
    response = await api.client.post(
        f"/municipalities/{municipality}/dialogues",
        json=DIALOGUE,
        headers=token(municipalities=[municipality]),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_what_residents_raised_becomes_tips_of_the_dialogue(api: Api) -> None:
    await api.categories()
    meeting = await dialogue(api)
    for body in (concern(), concern(category="narcotics", answers={"happening_now": "no"})):
        response = await api.client.post(
            f"/dialogues/{meeting['id']}/inputs", json=body, headers=token()
        )
        assert response.status_code == 201, response.text
        tip = await api.tip(body["id"])
        assert tip is not None
        assert (tip.source, tip.dialogue_id) == ("dialogue", uuid.UUID(meeting["id"]))
    read = await api.client.get(f"/dialogues/{meeting['id']}", headers=token())
    assert read.json()["inputs"] == 2
    events = await api.outbox("se.trygg.tips.tip.received.v1")
    assert {e.payload["data"]["dialogue_id"] for e in events} == {meeting["id"]}
    assert {e.payload["data"]["source_type"] for e in events} == {"dialogue"}


async def test_an_input_sent_again_is_recorded_once(api: Api) -> None:
    await api.categories()
    meeting = await dialogue(api)
    body = concern()
    path = f"/dialogues/{meeting['id']}/inputs"
    first = await api.client.post(path, json=body, headers=token())
    again = await api.client.post(path, json=body, headers=token())
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(await api.outbox("se.trygg.tips.tip.received.v1")) == 1


async def test_a_meeting_concern_in_an_urgent_category_is_recorded_not_diverted(api: Api) -> None:
    await api.categories()
    meeting = await dialogue(api)
    body = concern(category="violence", answers={})
    response = await api.client.post(
        f"/dialogues/{meeting['id']}/inputs", json=body, headers=token()
    )
    assert response.status_code == 201, response.text


async def test_another_municipality_s_dialogue_does_not_exist_for_the_caller(api: Api) -> None:
    await api.categories()
    meeting = await dialogue(api)
    other = token(municipalities=[OTHER])
    assert (await api.client.get(f"/dialogues/{meeting['id']}", headers=other)).status_code == 404
    response = await api.client.post(
        f"/dialogues/{meeting['id']}/inputs", json=concern(), headers=other
    )
    assert response.status_code == 404
    listed = await api.client.get(f"/municipalities/{HOME}/dialogues", headers=other)
    assert listed.status_code == 403
    assert await api.outbox() == []


async def test_reading_needs_tips_read_and_recording_needs_tips_write(api: Api) -> None:
    await api.categories()
    reader = token(["tips:read"])
    response = await api.client.post(
        f"/municipalities/{HOME}/dialogues", json=DIALOGUE, headers=reader
    )
    assert response.status_code == 403
    listed = await api.client.get(f"/municipalities/{HOME}/dialogues", headers=reader)
    assert listed.status_code == 200
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    "overrides",
    [{"held_on": "1999-12-31"}, {"title": ""}, {"attendees": -1}, {"minutes": "secret"}],
)
async def test_a_bad_dialogue_is_refused(api: Api, overrides: dict[str, Any]) -> None:
    response = await api.client.post(
        f"/municipalities/{HOME}/dialogues", json=DIALOGUE | overrides, headers=token()
    )
    assert response.status_code == 422
    listed = await api.client.get(f"/municipalities/{HOME}/dialogues", headers=token())
    assert listed.json()["total"] == 0
