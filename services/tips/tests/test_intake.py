"""Taking tips in: from residents without a token, and from designated reporters."""

import json
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import select
from tips_testkit import (
    BREDARYD,
    HOME,
    OTHER,
    Api,
    personal_data_in_events,
    point,
    tip_body,
    token,
)

from tips.feedback.models import TipFeedback
from tips.tips.models import TipContact

pytestmark = pytest.mark.service

RECEIVED = "se.trygg.tips.tip.received.v1"


async def test_a_resident_sends_a_tip_and_its_event_says_only_what_the_picture_needs(
    api: Api,
) -> None:
    await api.categories()
    receipt = await api.submit()
    tip = await api.tip(receipt["id"])
    assert tip is not None
    assert tip.status == "received"
    assert tip.source == "public"
    assert tip.locality == "Forsheda"
    assert tip.answers == {
        "why": ["lighting"],
        "when_unsafe": "dark",
    }
    assert receipt["acknowledgement"] is False
    [event] = await api.outbox(RECEIVED)
    data = event.payload["data"]
    assert data["locality"] == "Forsheda"
    assert data["cell"]["size_m"] == 250
    assert data["occurred"]["start"].startswith("2026-11-28T21:00:00")
    assert data["occurred"]["end"].startswith("2026-11-29T00:00:00")
    assert "description" not in data
    assert "answers" not in data
    assert "location" not in data


async def test_the_same_tip_sent_again_with_its_id_is_stored_once(api: Api) -> None:
    await api.categories()
    body = tip_body()
    first = await api.client.post(f"/public/{HOME}/tips", json=body)
    again = await api.client.post(f"/public/{HOME}/tips", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(await api.outbox(RECEIVED)) == 1


async def test_another_tip_under_a_used_id_is_refused(api: Api) -> None:
    await api.categories()
    body = tip_body()
    await api.submit(**body)
    response = await api.client.post(
        f"/public/{HOME}/tips", json={**body, "description": "Något helt annat."}
    )
    assert response.status_code == 409
    assert len(await api.outbox(RECEIVED)) == 1


@pytest.mark.parametrize(
    ("overrides", "number"),
    [
        ({"category": "vandalism", "answers": {"happening_now": "yes"}}, "112"),
        ({"category": "violence", "answers": {}}, "112"),
    ],
)
async def test_an_urgent_tip_is_not_stored_and_the_resident_is_told_whom_to_call(
    api: Api, overrides: dict[str, object], number: str
) -> None:
    await api.categories()
    body = tip_body(**overrides)
    response = await api.client.post(f"/public/{HOME}/tips", json=body)
    assert response.status_code == 422
    assert response.json()["call"] == number
    assert "112" in response.json()["detail"]
    assert await api.tip(body["id"]) is None
    assert await api.outbox() == []


async def test_a_contact_is_kept_apart_and_an_acknowledgement_is_owed(api: Api) -> None:
    await api.categories()
    contact = {"email": "anna@example.se", "consent": True}
    receipt = await api.submit(contact=contact)
    assert receipt["acknowledgement"] is True
    stored = await api.session.get(TipContact, uuid.UUID(receipt["id"]))
    assert stored is not None
    assert stored.email == "anna@example.se"
    assert stored.consent_text
    owed = (await api.session.exec(select(TipFeedback))).all()
    assert [(f.tip_id, f.kind) for f in owed] == [(uuid.UUID(receipt["id"]), "acknowledgement")]
    [event] = await api.outbox(RECEIVED)
    assert "anna" not in str(event.payload)


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"category": "no_such"}, None),
        ({"answers": {"why": ["teleportation"]}}, "/answers/why"),
        ({"answers": {"unknown": "x"}}, "/answers/unknown"),
        ({"category": "vandalism", "answers": {}}, "/answers/happening_now"),
        ({"locality": "Atlantis", "location": None}, "/locality"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "/occurred_at"),
        ({"location": None}, None),
        ({"contact": {"consent": True}}, None),
        ({"contact": {"email": "anna@example.se", "consent": False}}, None),
        ({"description": "x" * 4001}, None),
        ({"shoe_size": 44}, None),
    ],
)
async def test_a_bad_tip_is_refused_and_changes_nothing(
    api: Api, overrides: dict[str, object], pointer: str | None
) -> None:
    await api.categories()
    body = tip_body(**overrides)
    response = await api.client.post(f"/public/{HOME}/tips", json=body)
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    if pointer is not None:
        assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert await api.outbox() == []


async def test_a_designated_reporter_reports_for_their_organisation(api: Api) -> None:
    await api.categories()
    registered = await api.client.post(
        f"/municipalities/{HOME}/reporters",
        json={
            "subject": "vakt-1",
            "organisation_key": "org:556000-1234",
            "organisation_name": "Värnamo Bevakning AB",
            "kind": "security_company",
        },
        headers=token(),
    )
    assert registered.status_code == 201, registered.text
    reporter = token(["tips:report"], subject="vakt-1")
    body = tip_body(location=point(*BREDARYD))
    response = await api.client.post(f"/municipalities/{HOME}/tips", json=body, headers=reporter)
    assert response.status_code == 201, response.text
    tip = await api.tip(body["id"])
    assert tip is not None
    assert tip.source == "reporter"
    assert tip.organisation_name == "Värnamo Bevakning AB"
    assert tip.locality == "Bredaryd"
    [event] = await api.outbox(RECEIVED)
    assert event.payload["data"]["reporter_kind"] == "security_company"


async def test_a_token_that_is_no_registered_reporter_cannot_report(api: Api) -> None:
    await api.categories()
    await api.categories(OTHER)
    stranger = token(["tips:report"], subject="someone")
    response = await api.client.post(
        f"/municipalities/{HOME}/tips", json=tip_body(), headers=stranger
    )
    assert response.status_code == 403
    other = token(["tips:report"], municipalities=[OTHER], subject="someone")
    response = await api.client.post(f"/municipalities/{HOME}/tips", json=tip_body(), headers=other)
    assert response.status_code == 403
    assert await api.outbox() == []


async def test_the_event_check_finds_a_tip_s_text_contact_or_point_in_an_event(api: Api) -> None:
    """The check every test ends with (conftest `session`) is one that can fail."""
    await api.categories()
    receipt = await api.submit(contact={"phone": "070-123 45 67", "consent": True})
    tip = await api.tip(receipt["id"])
    assert tip is not None
    leaky = [
        {"note": "x"},
        {"summary": tip.description},
        {"who": "070-123 45 67"},
        {"cell": {"centre": point()}},
    ]
    for data in leaky:
        await api.session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
                "VALUES (gen_random_uuid(), 'tip', 'x', 'leak', CAST(:p AS jsonb))"
            ),
            params={"p": json.dumps({"data": data})},
        )
        assert await personal_data_in_events(api.session) != []
        await api.session.exec(text("DELETE FROM outbox WHERE type = 'leak'"))  # type: ignore[call-overload]
    assert await personal_data_in_events(api.session) == []
