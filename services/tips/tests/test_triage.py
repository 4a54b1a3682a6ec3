"""Staff's work on tips: lists and reads, triage, forwarding and closing, notes, suggested
duplicates, moderation and the audit log; tenancy, restriction and what events carry."""

import json
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from tips_testkit import BREDARYD, FORSHEDA, HOME, OTHER, POLICE_SCOPES, Api, point, token

from tips.domain import LOCAL_TIME
from tips.feedback.models import TipFeedback
from tips.photos.models import TipPhoto
from tips.triage.models import TipAudit

pytestmark = pytest.mark.service

TRIAGED = "se.trygg.tips.tip.triaged.v1"
CLOSED = "se.trygg.tips.tip.closed.v1"
RESTRICTED = {"category": "narcotics", "answers": {"happening_now": "no"}}
VANDALISM = {"category": "vandalism", "answers": {"happening_now": "no"}}
CONTACT = {"email": "anna@example.se", "phone": "070-123 45 67", "consent": True}

# Every route that takes a tip id, with a body it accepts.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("GET", "/notes", None),
    ("POST", "/notes", {"body": "Ringt gatuavdelningen."}),
    ("POST", "/triage", {}),
    ("POST", "/forward", {"assigned_to": "police"}),
    ("POST", "/close", {"outcome": "fixed"}),
    ("GET", "/duplicates", None),
    ("POST", "/moderation", {}),
    ("GET", "/audit", None),
]
ROUTE_IDS = [f"{method} {suffix or '/'}" for method, suffix, _ in ROUTES]


def police() -> dict[str, str]:
    return token(POLICE_SCOPES)


async def submit(api: Api, municipality: str = HOME, **overrides: Any) -> str:
    tip_id: str = (await api.submit(municipality, **overrides))["id"]
    return tip_id


async def call(
    api: Api,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await api.client.request(method, path, json=body, headers=headers or token())


async def step(
    api: Api, tip_id: str, action: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await call(api, "POST", f"/tips/{tip_id}/{action}", body, headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def audit_rows(api: Api, tip_id: str) -> list[TipAudit]:
    rows = await api.session.exec(
        select(TipAudit).where(TipAudit.tip_id == uuid.UUID(tip_id)).order_by(col(TipAudit.id))
    )
    return list(rows)


async def actions(api: Api, tip_id: str) -> list[str]:
    return [row.action for row in await audit_rows(api, tip_id)]


async def feedback(api: Api, tip_id: str) -> list[str]:
    rows = await api.session.exec(
        select(TipFeedback.kind).where(TipFeedback.tip_id == uuid.UUID(tip_id))
    )
    return sorted(rows)


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [feature["id"] for feature in response.json()["features"]]


class TestListTips:
    async def test_lists_the_tokens_tips_newest_first_as_geojson(self, api: Api) -> None:
        await api.categories()
        await api.categories(OTHER)
        first = await submit(api)
        second = await submit(api, contact=CONTACT)
        await submit(api, OTHER)
        api.session.add(
            TipPhoto(
                tip_id=uuid.UUID(second), content_type="image/jpeg", width=1, height=1, content=b""
            )
        )
        response = await call(api, "GET", "/tips")
        assert ids(response) == [second, first]
        body = response.json()
        assert (body["type"], body["total"], body["next_offset"]) == ("FeatureCollection", 2, None)
        feature = body["features"][1]
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": list(FORSHEDA)}
        properties = feature["properties"]
        assert properties["municipality"] == HOME
        assert properties["category"] == "unsafe_place"
        assert properties["source"] == "public"
        assert properties["locality"] == "Forsheda"
        assert properties["status"] == "received"
        assert properties["description"].startswith("Gångtunneln")
        assert properties["redacted_description"] is None
        assert (properties["has_contact"], properties["photos"]) == (False, 0)
        latest = body["features"][0]["properties"]
        assert (latest["has_contact"], latest["photos"]) == (True, 1)

    async def test_pages_through_the_list(self, api: Api) -> None:
        await api.categories()
        made = [await submit(api) for _ in range(3)]
        first = await call(api, "GET", "/tips?limit=2")
        assert ids(first) == made[:0:-1]
        assert (first.json()["total"], first.json()["next_offset"]) == (3, 2)
        last = await call(api, "GET", "/tips?limit=2&offset=2")
        assert ids(last) == [made[0]]
        assert last.json()["next_offset"] is None

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status=received", ["forsheda"]),
            ("status=forwarded", ["bredaryd"]),
            ("category=vandalism", ["bredaryd"]),
            ("source=public", ["unplaced", "bredaryd", "forsheda"]),
            ("source=reporter", []),
            ("locality=bredaryd", ["unplaced", "bredaryd"]),
            ("bbox=13.70,57.16,13.78,57.18", ["bredaryd"]),
            ("assigned_to=police", ["bredaryd"]),
            ("assigned_to=dept:0683:gata", ["unplaced"]),
            (f"municipality={HOME}", ["unplaced", "bredaryd", "forsheda"]),
            ("created_from={today}&created_to={today}", ["unplaced", "bredaryd", "forsheda"]),
            ("created_from={tomorrow}", []),
            ("created_to={yesterday}", []),
        ],
    )
    async def test_filters(self, api: Api, query: str, expected: list[str]) -> None:
        await api.categories()
        made = {
            "forsheda": await submit(api),
            "bredaryd": await submit(api, location=point(*BREDARYD), **VANDALISM),
            "unplaced": await submit(api, location=None, locality="Bredaryd"),
        }
        await step(api, made["bredaryd"], "forward", {"assigned_to": "police"})
        await step(api, made["unplaced"], "triage", {"assigned_to": "dept:0683:gata"})
        today = datetime.now(LOCAL_TIME).date()
        days = {"today": today, "tomorrow": today + timedelta(1), "yesterday": today - timedelta(1)}
        response = await call(api, "GET", "/tips?" + query.format(**days))
        assert ids(response) == [made[name] for name in expected]

    async def test_a_municipality_the_token_does_not_cover_is_refused(self, api: Api) -> None:
        response = await call(api, "GET", f"/tips?municipality={OTHER}")
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "query",
        [
            "status=open",
            "bbox=1,2,3",
            "created_from=yesterday",
            "assigned_to=dept:x",
            "limit=0",
            "category=Not%20A%20Code",
        ],
    )
    async def test_a_bad_filter_is_refused(self, api: Api, query: str) -> None:
        response = await call(api, "GET", f"/tips?{query}")
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_restricted_tips_are_listed_only_with_police_and_each_one_is_audited(
        self, api: Api
    ) -> None:
        await api.categories()
        open_tip = await submit(api)
        restricted = await submit(api, **RESTRICTED)
        assert ids(await call(api, "GET", "/tips")) == [open_tip]
        assert await actions(api, restricted) == []
        assert ids(await call(api, "GET", "/tips", headers=police())) == [restricted, open_tip]
        [row] = await audit_rows(api, restricted)
        assert (row.action, row.detail, row.actor) == ("list", {"list": "tips"}, "tester")
        assert await actions(api, open_tip) == []


class TestGetTip:
    async def test_one_tip_with_its_notes(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        for text in ("Första anteckningen.", "Andra anteckningen."):
            added = await call(api, "POST", f"/tips/{tip_id}/notes", {"body": text})
            assert added.status_code == 201, added.text
        response = await call(api, "GET", f"/tips/{tip_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["type"], body["id"]) == ("Feature", tip_id)
        assert [n["body"] for n in body["notes"]] == ["Första anteckningen.", "Andra anteckningen."]
        assert body["notes"][0]["author"] == "tester"
        notes = await call(api, "GET", f"/tips/{tip_id}/notes?limit=1")
        assert [n["body"] for n in notes.json()["items"]] == ["Första anteckningen."]
        assert (notes.json()["total"], notes.json()["next_offset"]) == (2, 1)

    async def test_no_route_shows_a_contact(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, contact=CONTACT)
        answers = [
            await call(api, "GET", "/tips"),
            await call(api, "GET", f"/tips/{tip_id}"),
            await call(api, "POST", f"/tips/{tip_id}/triage", {}),
            await call(api, "POST", f"/tips/{tip_id}/close", {"outcome": "fixed"}),
            await call(api, "GET", f"/tips/{tip_id}/audit"),
        ]
        for response in answers:
            assert response.status_code == 200, response.text
            for detail in ("anna@example.se", "070-123 45 67", "0701234567", "consent"):
                assert detail not in response.text
        assert answers[1].json()["properties"]["has_contact"] is True


class TestNotes:
    async def test_a_note_sent_again_with_its_key_is_stored_once(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        body = {"body": "Gatuavdelningen tittar på det i veckan."}
        first = await call(api, "POST", f"/tips/{tip_id}/notes", body, headers)
        again = await call(api, "POST", f"/tips/{tip_id}/notes", body, headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotency-Replay"] == "true"
        assert again.json() == first.json()
        notes = (await call(api, "GET", f"/tips/{tip_id}/notes")).json()
        assert [n["id"] for n in notes["items"]] == [first.json()["id"]]
        [row] = await audit_rows(api, tip_id)
        assert (row.action, row.detail) == ("note_added", {"note_id": first.json()["id"]})

    @pytest.mark.parametrize("body", [{"body": "x" * 2001}, {"body": " "}, {"text": "Hej"}, {}])
    async def test_a_bad_note_is_refused(self, api: Api, body: dict[str, Any]) -> None:
        await api.categories()
        tip_id = await submit(api)
        response = await call(api, "POST", f"/tips/{tip_id}/notes", body)
        assert response.status_code == 422, response.text
        assert (await call(api, "GET", f"/tips/{tip_id}/notes")).json()["total"] == 0
        assert await audit_rows(api, tip_id) == []


class TestTenancy:
    @pytest.mark.parametrize(("method", "suffix", "body"), ROUTES, ids=ROUTE_IDS)
    async def test_another_municipalitys_tip_does_not_exist(
        self, api: Api, method: str, suffix: str, body: dict[str, Any] | None
    ) -> None:
        await api.categories(OTHER)
        theirs = await submit(api, OTHER, contact=CONTACT)
        before = len(await api.outbox())
        for tip_id in (theirs, str(uuid.uuid4())):
            response = await call(api, method, f"/tips/{tip_id}{suffix}", body, police())
            assert response.status_code == 404, response.text
            assert response.json()["title"] == "Tip not found"
        tip = await api.tip(theirs)
        assert tip is not None
        assert (tip.status, tip.redacted_description) == ("received", None)
        assert len(await api.outbox()) == before
        assert await audit_rows(api, theirs) == []
        assert await feedback(api, theirs) == ["acknowledgement"]


class TestRestricted:
    @pytest.mark.parametrize(("method", "suffix", "body"), ROUTES, ids=ROUTE_IDS)
    async def test_a_restricted_tip_needs_police(
        self, api: Api, method: str, suffix: str, body: dict[str, Any] | None
    ) -> None:
        await api.categories()
        tip_id = await submit(api, **RESTRICTED)
        refused = await call(api, method, f"/tips/{tip_id}{suffix}", body)
        assert refused.status_code == 403, refused.text
        tip = await api.tip(tip_id)
        assert tip is not None
        assert tip.status == "received"
        allowed = await call(api, method, f"/tips/{tip_id}{suffix}", body, police())
        assert allowed.status_code in (200, 201), allowed.text
        assert await actions(api, tip_id)  # the police's access is in the audit log

    async def test_reads_and_changes_of_a_restricted_tip_are_audited(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, **RESTRICTED)
        await call(api, "GET", f"/tips/{tip_id}", headers=police())
        await step(api, tip_id, "triage", {"assigned_to": "police"}, police())
        await call(api, "GET", f"/tips/{tip_id}/notes", headers=police())
        rows = await audit_rows(api, tip_id)
        assert [(r.action, r.detail) for r in rows] == [
            ("read", {}),
            ("triage", {}),
            ("triaged", {"status": "triaged", "assigned_to": "police"}),
            ("read_notes", {}),
        ]
        assert {r.actor for r in rows} == {"tester"}
        assert {r.municipality_code for r in rows} == {HOME}

    async def test_reads_of_an_open_tip_are_not_audited_but_its_changes_are(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        await call(api, "GET", f"/tips/{tip_id}")
        await call(api, "GET", "/tips")
        await step(api, tip_id, "forward", {"assigned_to": "dept:0683:gata"})
        assert [(r.action, r.detail) for r in await audit_rows(api, tip_id)] == [
            ("forwarded", {"status": "forwarded", "assigned_to": "dept:0683:gata"})
        ]

    async def test_anyone_who_writes_may_restrict_a_tip(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        triaged = await step(api, tip_id, "triage", {"restricted": True})
        assert triaged["properties"]["restricted"] is True
        assert (await call(api, "GET", f"/tips/{tip_id}")).status_code == 403
        assert (await call(api, "GET", f"/tips/{tip_id}", headers=police())).status_code == 200

    async def test_only_the_police_lift_a_restriction(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, **RESTRICTED)
        refused = await call(api, "POST", f"/tips/{tip_id}/triage", {"restricted": False})
        assert refused.status_code == 403
        lifted = await step(api, tip_id, "triage", {"restricted": False}, police())
        assert lifted["properties"]["restricted"] is False
        assert (await call(api, "GET", f"/tips/{tip_id}")).status_code == 200
        [change] = [r for r in await audit_rows(api, tip_id) if r.action == "triaged"]
        assert change.detail == {"status": "triaged", "restricted": False}


class TestTransitions:
    @pytest.mark.parametrize(
        "path",
        [
            ["triage", "forward", "close"],
            ["triage", "close"],
            ["forward", "close"],
            ["close"],
        ],
    )
    async def test_a_tip_moves_forward(self, api: Api, path: list[str]) -> None:
        await api.categories()
        tip_id = await submit(api)
        bodies = {
            "triage": {},
            "forward": {"assigned_to": "police"},
            "close": {"outcome": "no_action"},
        }
        status = {"triage": "triaged", "forward": "forwarded", "close": "closed"}
        for action in path:
            result = await step(api, tip_id, action, bodies[action])
            assert result["properties"]["status"] == status[action]
        tip = await api.tip(tip_id)
        assert tip is not None
        assert (tip.status, tip.outcome) == ("closed", "no_action")
        assert tip.closed_at is not None
        assert tip.updated_at == tip.closed_at
        assert [r.action for r in await audit_rows(api, tip_id)] == [status[a] for a in path]

    @pytest.mark.parametrize(
        ("before", "refused"),
        [
            (["triage"], "triage"),
            (["forward"], "triage"),
            (["forward"], "forward"),
            (["close"], "triage"),
            (["close"], "forward"),
            (["close"], "close"),
        ],
    )
    async def test_a_tip_never_moves_back_or_leaves_closed(
        self, api: Api, before: list[str], refused: str
    ) -> None:
        await api.categories()
        tip_id = await submit(api)
        bodies = {
            "triage": {"assigned_to": "police"},
            "forward": {"assigned_to": "police"},
            "close": {"outcome": "fixed"},
        }
        for action in before:
            await step(api, tip_id, action, bodies[action])
        tip = await api.tip(tip_id)
        assert tip is not None
        status, changes, events = (
            tip.status,
            len(await audit_rows(api, tip_id)),
            len(await api.outbox()),
        )
        response = await call(api, "POST", f"/tips/{tip_id}/{refused}", bodies[refused])
        assert response.status_code == 409, response.text
        assert response.json()["title"] == "The tip's status does not allow this"
        tip = await api.tip(tip_id)
        assert tip is not None
        assert tip.status == status
        assert len(await audit_rows(api, tip_id)) == changes
        assert len(await api.outbox()) == events

    async def test_events_carry_no_free_text(self, api: Api) -> None:
        await api.categories()
        original = await submit(api)
        tip_id = await submit(api, description="Grannen Per Olsson på Storgatan 3 langar.")
        await call(
            api, "POST", f"/tips/{tip_id}/notes", {"body": "Per Olsson är känd sedan tidigare."}
        )
        await step(
            api, tip_id, "triage", {"assigned_to": "dept:0683:gata", "duplicate_of": original}
        )
        await step(api, tip_id, "forward", {"assigned_to": "police"})
        note = "Polisen har fått tipset och följer upp det."
        await step(api, tip_id, "close", {"outcome": "not_ours", "public_note": note})
        triaged = [e.payload["data"] for e in await api.outbox(TRIAGED)]
        assert [(d["status"], d["assigned_to"]) for d in triaged] == [
            ("triaged", "dept:0683:gata"),
            ("forwarded", "police"),
        ]
        assert {d["duplicate_of"] for d in triaged} == {original}
        assert {d["category"] for d in triaged} == {"unsafe_place"}
        [closed] = [e.payload["data"] for e in await api.outbox(CLOSED)]
        assert closed["outcome"] == "not_ours"
        tip = await api.tip(tip_id)
        assert tip is not None
        assert tip.closed_at is not None
        assert datetime.fromisoformat(closed["closed_at"]) == tip.closed_at
        assert tip.public_note == note
        written = json.dumps([e.payload for e in await api.outbox()]) + json.dumps(
            [r.detail for r in await audit_rows(api, tip_id)]
        )
        for free_text in ("Per Olsson", "Storgatan", "Polisen har fått"):
            assert free_text not in written
        [close_row] = [r for r in await audit_rows(api, tip_id) if r.action == "closed"]
        assert close_row.detail["texts"] == ["public_note"]

    async def test_closing_a_tip_with_a_contact_owes_the_tipster_a_message(self, api: Api) -> None:
        await api.categories()
        told = await submit(api, contact=CONTACT)
        anonymous = await submit(api)
        for tip_id in (told, anonymous):
            await step(api, tip_id, "close", {"outcome": "fixed", "public_note": "Lagat."})
        assert await feedback(api, told) == ["acknowledgement", "closing"]
        assert await feedback(api, anonymous) == []

    @pytest.mark.parametrize(
        ("action", "body", "pointer"),
        [
            ("forward", {"assigned_to": "dept:0662:gata"}, "/assigned_to"),
            ("triage", {"assigned_to": "dept:0662:gata"}, "/assigned_to"),
            ("forward", {"assigned_to": "the mayor"}, "/assigned_to"),
            ("forward", {}, "/assigned_to"),
            ("close", {"outcome": "solved"}, "/outcome"),
            ("close", {"outcome": "fixed", "public_note": "x" * 1001}, "/public_note"),
            ("triage", {"restricted": "yes"}, "/restricted"),
            ("triage", {"priority": 1}, "/priority"),
        ],
    )
    async def test_a_bad_change_is_refused_and_changes_nothing(
        self, api: Api, action: str, body: dict[str, Any], pointer: str
    ) -> None:
        await api.categories()
        tip_id = await submit(api)
        response = await call(api, "POST", f"/tips/{tip_id}/{action}", body)
        assert response.status_code == 422, response.text
        assert pointer in [e["pointer"] for e in response.json()["errors"]]
        tip = await api.tip(tip_id)
        assert tip is not None
        assert (tip.status, tip.assigned_to) == ("received", None)
        assert await api.outbox(TRIAGED) == []

    async def test_a_duplicate_names_another_tip_of_the_municipality(self, api: Api) -> None:
        await api.categories()
        await api.categories(OTHER)
        original = await submit(api)
        tip_id = await submit(api)
        theirs = await submit(api, OTHER)
        copy = await submit(api)
        await step(api, copy, "triage", {"duplicate_of": original})
        for wrong in (tip_id, theirs, str(uuid.uuid4()), copy):
            response = await call(api, "POST", f"/tips/{tip_id}/triage", {"duplicate_of": wrong})
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["pointer"] == "/duplicate_of"
        marked = await step(api, tip_id, "triage", {"duplicate_of": original})
        assert marked["properties"]["duplicate_of"] == original


def near(east_m: float, north_m: float) -> dict[str, Any]:
    """A point this many metres east and north of Forsheda's centre."""
    lon, lat = FORSHEDA
    east = east_m / (111_320 * math.cos(math.radians(lat)))
    return point(lon + east, lat + north_m / 111_320)


def day(n: int) -> str:
    return f"2026-11-{n:02d}T21:30:00+01:00"


class TestDuplicates:
    async def test_nearest_in_place_and_time_first_others_left_out(self, api: Api) -> None:
        await api.categories()
        await api.categories(OTHER)
        tip_id = await submit(api, location=near(0, 0), occurred_at=day(20))
        a_day_later = await submit(api, location=near(100, 0), occurred_at=day(21))
        same_time = await submit(api, location=near(0, 300), occurred_at=day(20))
        ten_days_later = await submit(api, location=near(-50, 0), occurred_at=day(30))
        await submit(api, location=near(10, 0), occurred_at=day(20), **VANDALISM)
        await submit(api, location=near(700, 0), occurred_at=day(20))
        await submit(api, location=near(10, 0), occurred_at=day(1))
        await submit(api, OTHER, location=near(10, 0), occurred_at=day(20))
        await submit(api, location=None, locality="Forsheda", occurred_at=day(20))
        marked = await submit(api, location=near(20, 0), occurred_at=day(20))
        await step(api, marked, "triage", {"duplicate_of": a_day_later})
        response = await call(api, "GET", f"/tips/{tip_id}/duplicates")
        assert ids(response) == [a_day_later, same_time, ten_days_later]
        ranked = [f["properties"] for f in response.json()["features"]]
        assert [round(p["distance_m"] / 10) * 10 for p in ranked] == [100, 300, 50]
        assert [p["days_apart"] for p in ranked] == [1, 0, 10]
        expected = [(1 - 100 / 500) * (1 - 1 / 14), 1 - 300 / 500, (1 - 50 / 500) * (4 / 14)]
        for properties, score in zip(ranked, expected, strict=True):
            assert properties["score"] == pytest.approx(score, abs=0.01)

    async def test_restricted_suggestions_only_for_the_police(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        hidden = await submit(api, location=near(30, 0))
        await step(api, hidden, "triage", {"restricted": True})
        assert ids(await call(api, "GET", f"/tips/{tip_id}/duplicates")) == []
        shown = await call(api, "GET", f"/tips/{tip_id}/duplicates", headers=police())
        assert ids(shown) == [hidden]
        assert [(r.action, r.detail) for r in await audit_rows(api, hidden)][-1] == (
            "list",
            {"list": "duplicates"},
        )

    async def test_a_tip_without_a_point_has_no_suggestions(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, location=None, locality="Forsheda")
        await submit(api)
        assert ids(await call(api, "GET", f"/tips/{tip_id}/duplicates")) == []


PERSONAL = "Det är Per, 811218-9876, ring 070-123 45 67 eller per@example.se."


class TestModeration:
    async def test_the_automatic_redaction_is_stored_without_the_values(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, description=PERSONAL)
        response = await call(api, "POST", f"/tips/{tip_id}/moderation", {})
        assert response.status_code == 200, response.text
        assert response.json() == {
            "redacted_description": "Det är Per, [personnummer], ring [telefon] eller [e-post].",
            "source": "automatic",
            "findings": {"personnummer": 1, "phone": 1, "email": 1},
        }
        tip = await api.tip(tip_id)
        assert tip is not None
        assert tip.redacted_description == response.json()["redacted_description"]
        assert tip.description == PERSONAL  # staff still read what was written
        [row] = await audit_rows(api, tip_id)
        assert row.action == "moderated"
        assert row.detail["findings"] == {"personnummer": 1, "phone": 1, "email": 1}
        for value in ("811218-9876", "070-123 45 67", "per@example.se", "Per,"):
            assert value not in json.dumps(row.detail)

    async def test_staffs_own_wording_is_redacted_too(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, description=PERSONAL)
        wording = "En boende på Storgatan 3 (070-123 45 67) hör av sig om ljuset."
        response = await call(
            api, "POST", f"/tips/{tip_id}/moderation", {"redacted_description": wording}
        )
        assert response.status_code == 200, response.text
        stored = "En boende på Storgatan [husnummer] ([telefon]) hör av sig om ljuset."
        assert response.json() == {
            "redacted_description": stored,
            "source": "staff",
            "findings": {"phone": 1, "address": 1},
        }
        assert "070-123" not in response.text
        tip = await api.tip(tip_id)
        assert tip is not None
        assert tip.redacted_description == stored
        listed = (await call(api, "GET", "/tips")).json()["features"][0]["properties"]
        assert listed["redacted_description"] == stored


class TestAuditLog:
    async def test_the_audit_log_needs_police_or_admin(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api)
        await step(api, tip_id, "triage", {"assigned_to": "police"})
        reader = token(["tips:read", "tips:write"])
        assert (await call(api, "GET", f"/tips/{tip_id}/audit", headers=reader)).status_code == 403
        for allowed in (token(["tips:read", "tips:admin"]), token(["tips:read", "tips:police"])):
            response = await call(api, "GET", f"/tips/{tip_id}/audit", headers=allowed)
            assert response.status_code == 200, response.text
            [row] = response.json()["items"]
            assert (row["action"], row["actor"]) == ("triaged", "tester")
            assert row["detail"] == {"status": "triaged", "assigned_to": "police"}

    async def test_a_restricted_tips_audit_log_needs_police(self, api: Api) -> None:
        await api.categories()
        tip_id = await submit(api, **RESTRICTED)
        admin = token(["tips:read", "tips:admin"])
        assert (await call(api, "GET", f"/tips/{tip_id}/audit", headers=admin)).status_code == 403
        response = await call(api, "GET", f"/tips/{tip_id}/audit", headers=police())
        assert [row["action"] for row in response.json()["items"]] == ["read_audit"]
