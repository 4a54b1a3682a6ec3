"""Patrol rounds: planned over designated hot spots, worked visit by visit, completed with a
summary for residents; and the dosage each hot spot had."""

import json
import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from patrols_testkit import FORSHEDA, HOME, OTHER, POLICE_SCOPES, STAFF_SCOPES, Api, token
from sqlalchemy import func
from sqlmodel import select

from patrols.config import RoundSettings
from patrols.domain import LOCAL_TIME
from patrols.hotspots.models import HotSpot
from patrols.incidents.models import Incident
from patrols.rounds.models import PatrolRound, Visit
from shared import geo

pytestmark = pytest.mark.service

COMPLETED = "se.trygg.patrols.round.completed.v1"
METRES_PER_DEGREE = 111_320


def square(lon: float, lat: float, side_m: float = 200) -> geo.Polygon:
    half_lat = side_m / 2 / METRES_PER_DEGREE
    half_lon = half_lat / math.cos(math.radians(lat))
    west, east, south, north = lon - half_lon, lon + half_lon, lat - half_lat, lat + half_lat
    ring = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return geo.Polygon(type="Polygon", coordinates=[ring])


def today() -> date:
    return datetime.now(LOCAL_TIME).date()


async def hot_spot(
    api: Api,
    name: str,
    east_steps: int = 0,
    municipality: str = HOME,
    retired: bool = False,
    period: tuple[date, date] | None = None,
) -> HotSpot:
    """A designated 200 m square, `east_steps` squares east of Forsheda's."""
    lon = FORSHEDA[0] + east_steps * 0.0033
    first, last = period or (today() - timedelta(days=1), today() + timedelta(days=30))
    spot = HotSpot(
        municipality_code=municipality,
        name=name,
        cell_size_m=200,
        cell_east=440_000 + 200 * east_steps,
        cell_north=6_336_000,
        area=geo.to_db(square(lon, FORSHEDA[1])),
        locality="Forsheda",
        reason="Skadegörelse kvällstid",
        period_start=first,
        period_end=last,
        ranking={},
        designated_by="analyst",
        retired_at=datetime.now(UTC) if retired else None,
    )
    api.session.add(spot)
    await api.session.flush()
    return spot


def shift(start_in: timedelta = -timedelta(minutes=3), hours: float = 4) -> dict[str, str]:
    start = (datetime.now(UTC) + start_in).replace(microsecond=0)
    return {
        "shift_start": start.isoformat(),
        "shift_end": (start + timedelta(hours=hours)).isoformat(),
    }


def round_body(spots: list[HotSpot], **overrides: Any) -> dict[str, Any]:
    body = {"unit": "Värnamo 2-310", "hot_spot_ids": [str(s.id) for s in spots], **shift()}
    return body | overrides


async def plan(api: Api, spots: list[HotSpot], **overrides: Any) -> dict[str, Any]:
    path = f"/municipalities/{HOME}/rounds"
    planned: dict[str, Any] = await api.post(path, round_body(spots, **overrides))
    return planned


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


async def visit_report(
    api: Api, planned: dict[str, Any], sequence: int, action: str, body: Any = None
) -> Any:
    visit = planned["visits"][sequence - 1]
    path = f"/rounds/{planned['id']}/visits/{visit['id']}/{action}"
    return await api.client.post(path, json=body, headers=token())


async def work(api: Api, planned: dict[str, Any], sequence: int, start: float, end: float) -> None:
    """Check in `start` minutes ago and out `end` minutes ago."""
    checked_in = await visit_report(api, planned, sequence, "check-in", {"at": ago(start)})
    assert checked_in.status_code == 200, checked_in.text
    checked_out = await visit_report(api, planned, sequence, "check-out", {"at": ago(end)})
    assert checked_out.status_code == 200, checked_out.text


async def rounds_stored(api: Api) -> int:
    return len(list(await api.session.exec(select(PatrolRound))))


# --- Planning -----------------------------------------------------------------------------------


class TestPlanning:
    async def test_a_round_is_planned_over_the_hot_spots_and_nothing_is_published(
        self, api: Api
    ) -> None:
        spots = [await hot_spot(api, f"Torget {i}", i) for i in range(3)]
        planned = await plan(api, spots, seed=42)
        assert (planned["status"], planned["seed"], planned["unit"]) == (
            "planned",
            42,
            "Värnamo 2-310",
        )
        assert planned["rules"] == RoundSettings().model_dump(mode="json")
        visits = planned["visits"]
        assert {v["hot_spot_id"] for v in visits} == {str(s.id) for s in spots}
        assert [v["sequence"] for v in visits] == list(range(1, len(visits) + 1))
        assert all(v["status"] == "planned" for v in visits)
        start, end = (datetime.fromisoformat(planned[k]) for k in ("shift_start", "shift_end"))
        assert datetime.fromisoformat(visits[0]["planned_arrival"]) == start
        assert datetime.fromisoformat(visits[-1]["planned_departure"]) <= end
        stored = await api.session.exec(
            select(Visit).where(Visit.round_id == uuid.UUID(planned["id"]))
        )
        assert sorted(str(v.id) for v in stored) == sorted(v["id"] for v in visits)
        assert await api.outbox() == []

    async def test_the_same_seed_gives_the_same_plan(self, api: Api) -> None:
        spots = [await hot_spot(api, f"Torget {i}", i) for i in range(4)]
        times = shift()
        first = await plan(api, spots, seed=7, **times)
        again = await plan(api, list(reversed(spots)), seed=7, **times)

        def timetable(planned: dict[str, Any]) -> list[tuple[str, str, str]]:
            return [
                (v["hot_spot_id"], v["planned_arrival"], v["planned_departure"])
                for v in planned["visits"]
            ]

        assert timetable(first) == timetable(again)

    async def test_a_seed_is_drawn_and_kept_when_none_is_given(self, api: Api) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        stored = await api.session.get(PatrolRound, uuid.UUID(planned["id"]))
        assert stored is not None
        assert stored.seed == planned["seed"]
        assert 0 <= stored.seed < 2**31

    async def test_a_plan_sent_again_with_its_key_is_made_once(self, api: Api) -> None:
        body = round_body([await hot_spot(api, "Torget")])
        path = f"/municipalities/{HOME}/rounds"
        headers = token() | {"Idempotency-Key": "round-1"}
        first = await api.client.post(path, json=body, headers=headers)
        again = await api.client.post(path, json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotency-Replay"] == "true"
        assert again.json() == first.json()
        assert await rounds_stored(api) == 1


async def refused(api: Api, body: dict[str, Any], pointer: str) -> None:
    response = await api.client.post(f"/municipalities/{HOME}/rounds", json=body, headers=token())
    assert response.status_code == 422, response.text
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert pointer in pointers
    assert await rounds_stored(api) == 0


class TestPlanValidation:
    async def test_more_hot_spots_than_a_round_takes_are_refused(self, api: Api) -> None:
        spots = [await hot_spot(api, f"Torget {i}", i) for i in range(7)]
        await refused(api, round_body(spots), "/hot_spot_ids")

    async def test_a_hot_spot_named_twice_is_refused(self, api: Api) -> None:
        spot = await hot_spot(api, "Torget")
        await refused(api, round_body([spot, spot]), "/hot_spot_ids")

    async def test_a_retired_hot_spot_is_refused(self, api: Api) -> None:
        spots = [await hot_spot(api, "Torget"), await hot_spot(api, "Parken", 1, retired=True)]
        await refused(api, round_body(spots), "/hot_spot_ids/1")

    async def test_another_municipality_s_hot_spot_is_refused(self, api: Api) -> None:
        spot = await hot_spot(api, "Gislaved torg", municipality=OTHER)
        await refused(api, round_body([spot]), "/hot_spot_ids/0")

    async def test_an_unknown_hot_spot_is_refused(self, api: Api) -> None:
        body = round_body([await hot_spot(api, "Torget")])
        await refused(api, body | {"hot_spot_ids": [str(uuid.uuid4())]}, "/hot_spot_ids/0")

    async def test_a_hot_spot_whose_designation_ends_before_the_shift_is_refused(
        self, api: Api
    ) -> None:
        ended = (today() - timedelta(days=30), today() - timedelta(days=1))
        await refused(
            api, round_body([await hot_spot(api, "Torget", period=ended)]), "/hot_spot_ids/0"
        )

    async def test_a_shift_longer_than_twelve_hours_is_refused(self, api: Api) -> None:
        body = round_body([await hot_spot(api, "Torget")], **shift(hours=12.5))
        await refused(api, body, "/shift_end")

    async def test_a_shift_in_the_past_is_refused(self, api: Api) -> None:
        body = round_body([await hot_spot(api, "Torget")], **shift(-timedelta(hours=2)))
        await refused(api, body, "/shift_start")

    async def test_a_shift_ending_before_it_starts_is_refused(self, api: Api) -> None:
        times = shift()
        body = round_body([await hot_spot(api, "Torget")], shift_end=times["shift_start"])
        await refused(api, body | {"shift_start": times["shift_end"]}, "/shift_end")

    async def test_a_shift_too_short_to_visit_every_spot_is_refused_with_the_reason(
        self, api: Api
    ) -> None:
        spots = [await hot_spot(api, f"Torget {i}", i) for i in range(6)]
        body = round_body(spots, **shift(hours=1))
        response = await api.client.post(
            f"/municipalities/{HOME}/rounds", json=body, headers=token()
        )
        assert response.status_code == 422
        assert "too short" in response.json()["errors"][0]["detail"]
        assert response.json()["errors"][0]["pointer"] == "/shift_end"

    async def test_hot_spots_too_far_apart_to_revisit_are_refused_with_the_reason(
        self, api: Api
    ) -> None:
        # Six squares 20 km apart: an hour's drive between each at 20 km/h.
        spots = [await hot_spot(api, f"By {i}", i * 100) for i in range(6)]
        await refused(api, round_body(spots, **shift(hours=12)), "/hot_spot_ids")

    @pytest.mark.parametrize(
        "overrides",
        [
            {"unit": ""},
            {"unit": "x" * 41},
            {"hot_spot_ids": []},
            {"seed": -1},
            {"seed": 2**31},
            {"shift_start": "tomorrow"},
            {"officer": "Anna"},
        ],
    )
    async def test_a_malformed_plan_is_refused(self, api: Api, overrides: dict[str, Any]) -> None:
        body = round_body([await hot_spot(api, "Torget")]) | overrides
        response = await api.client.post(
            f"/municipalities/{HOME}/rounds", json=body, headers=token()
        )
        assert response.status_code == 422
        assert await rounds_stored(api) == 0


class TestWhoMay:
    async def test_staff_without_the_plan_scope_neither_plan_nor_read_a_round(
        self, api: Api
    ) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        visit = planned["visits"][0]["id"]
        for scopes in (["patrols:read"], ["patrols:write"], STAFF_SCOPES):
            staff = token(scopes)
            calls = [
                api.client.post(
                    f"/municipalities/{HOME}/rounds", json=round_body([]), headers=staff
                ),
                api.client.get(f"/rounds/{planned['id']}", headers=staff),
                api.client.get(f"/municipalities/{HOME}/rounds", headers=staff),
                api.client.post(
                    f"/rounds/{planned['id']}/visits/{visit}/check-in", json={}, headers=staff
                ),
                api.client.post(f"/rounds/{planned['id']}/complete", headers=staff),
                api.client.post(f"/rounds/{planned['id']}/cancel", headers=staff),
            ]
            for call in calls:
                assert (await call).status_code == 403

    async def test_another_municipality_s_round_does_not_exist_for_the_caller(
        self, api: Api
    ) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        visit = planned["visits"][0]["id"]
        other = token(POLICE_SCOPES, [OTHER])
        assert (await api.client.get(f"/rounds/{planned['id']}", headers=other)).status_code == 404
        for path in (
            f"/rounds/{planned['id']}/visits/{visit}/check-in",
            f"/rounds/{planned['id']}/complete",
            f"/rounds/{planned['id']}/cancel",
        ):
            assert (await api.client.post(path, json={}, headers=other)).status_code == 404
        listed = await api.client.get(f"/municipalities/{HOME}/rounds", headers=other)
        assert listed.status_code == 403
        planning = await api.client.post(
            f"/municipalities/{HOME}/rounds",
            json=round_body([await hot_spot(api, "Parken", 1)]),
            headers=other,
        )
        assert planning.status_code == 403
        stored = await api.session.get(PatrolRound, uuid.UUID(planned["id"]))
        assert stored is not None
        assert stored.status == "planned"

    async def test_an_unknown_round_or_visit_is_not_found(self, api: Api) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        other = await plan(api, [await hot_spot(api, "Parken", 1)])
        foreign_visit = other["visits"][0]["id"]
        missing = await api.client.get(f"/rounds/{uuid.uuid4()}", headers=token())
        assert missing.status_code == 404
        path = f"/rounds/{planned['id']}/visits/{foreign_visit}/check-in"
        assert (await api.client.post(path, json={}, headers=token())).status_code == 404


# --- Visits -------------------------------------------------------------------------------------


class TestVisits:
    async def test_check_in_then_out_records_the_real_dwell(self, api: Api) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget"), await hot_spot(api, "Parken", 1)])
        checked_in = await visit_report(
            api, planned, 1, "check-in", {"at": ago(14), "activity": "Fotpatrull runt torget"}
        )
        assert checked_in.status_code == 200, checked_in.text
        assert checked_in.json()["status"] == "checked_in"
        read = (await api.client.get(f"/rounds/{planned['id']}", headers=token())).json()
        assert read["status"] == "in_progress"
        assert read["started_at"] is not None
        checked_out = await visit_report(api, planned, 1, "check-out", {"at": ago(2)})
        assert checked_out.status_code == 200, checked_out.text
        visit = checked_out.json()
        assert visit["status"] == "done"
        assert visit["activity"] == "Fotpatrull runt torget"
        assert visit["dwell_minutes"] == pytest.approx(12, abs=0.05)

    async def test_a_check_in_or_out_out_of_turn_is_a_conflict(self, api: Api) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget"), await hot_spot(api, "Parken", 1)])
        assert (await visit_report(api, planned, 2, "check-out", {})).status_code == 409
        assert (await visit_report(api, planned, 1, "check-in", {"at": ago(10)})).status_code == 200
        assert (await visit_report(api, planned, 1, "check-in", {})).status_code == 409
        # One place at a time: the first visit is still checked in.
        assert (await visit_report(api, planned, 2, "check-in", {})).status_code == 409
        assert (await visit_report(api, planned, 1, "check-out", {"at": ago(5)})).status_code == 200
        assert (await visit_report(api, planned, 1, "check-out", {})).status_code == 409
        # Not before the last check-out: the unit was elsewhere then.
        early = await visit_report(api, planned, 2, "check-in", {"at": ago(8)})
        assert early.status_code == 422
        assert early.json()["errors"][0]["pointer"] == "/at"

    @pytest.mark.parametrize(
        "at",
        [
            pytest.param(lambda: datetime.now(UTC) + timedelta(minutes=10), id="in the future"),
            pytest.param(lambda: datetime.now(UTC) - timedelta(hours=1), id="long before"),
        ],
    )
    async def test_a_check_in_at_an_impossible_moment_is_refused(self, api: Api, at: Any) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        response = await visit_report(api, planned, 1, "check-in", {"at": at().isoformat()})
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/at"
        visit = await api.session.get(Visit, uuid.UUID(planned["visits"][0]["id"]))
        assert visit is not None
        assert (visit.status, visit.checked_in_at) == ("planned", None)

    async def test_a_check_out_before_the_check_in_is_refused(self, api: Api) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        assert (await visit_report(api, planned, 1, "check-in", {"at": ago(5)})).status_code == 200
        response = await visit_report(api, planned, 1, "check-out", {"at": ago(6)})
        assert response.status_code == 422
        visit = await api.session.get(Visit, uuid.UUID(planned["visits"][0]["id"]))
        assert visit is not None
        assert visit.status == "checked_in"

    async def test_observations_meant_as_incidents_become_incidents_at_the_check_out(
        self, api: Api
    ) -> None:
        spot = await hot_spot(api, "Torget")
        planned = await plan(api, [spot])
        seen_first = [
            {"category": "vandalism", "note": "Krossad busskur", "becomes": "incident"},
            {"category": "youth_gathering", "becomes": "none"},
        ]
        checked_in = await visit_report(
            api, planned, 1, "check-in", {"at": ago(12), "observations": seen_first}
        )
        assert checked_in.status_code == 200, checked_in.text
        assert list(await api.session.exec(select(Incident))) == []
        out_at = ago(1)
        checked_out = await visit_report(
            api,
            planned,
            1,
            "check-out",
            {"at": out_at, "observations": [{"category": "littering", "becomes": "incident"}]},
        )
        assert checked_out.status_code == 200, checked_out.text
        observations = checked_out.json()["observations"]
        incidents = {i.external_id: i for i in await api.session.exec(select(Incident))}
        visit_id = planned["visits"][0]["id"]
        assert set(incidents) == {f"{visit_id}:1", f"{visit_id}:3"}
        assert observations[1]["incident_id"] is None
        for n, category in ((1, "vandalism"), (3, "littering")):
            incident = incidents[f"{visit_id}:{n}"]
            assert observations[n - 1]["incident_id"] == str(incident.id)
            assert (incident.source, incident.category, incident.municipality_code) == (
                "round",
                category,
                HOME,
            )
            assert incident.occurred_at == datetime.fromisoformat(out_at)
            assert incident.locality == "Forsheda"
        centre = select(func.ST_AsText(func.ST_Centroid(HotSpot.area))).where(HotSpot.id == spot.id)
        located = select(func.ST_AsText(Incident.location))
        assert set(await api.session.exec(located)) == {(await api.session.exec(centre)).one()}

    async def test_a_report_with_an_unknown_field_or_bad_observation_changes_nothing(
        self, api: Api
    ) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        for body in (
            {"position": [13.8, 57.1]},
            {"observations": [{"category": "Vandalism!", "becomes": "incident"}]},
            {"observations": [{"category": "vandalism", "becomes": "tip"}]},
        ):
            assert (await visit_report(api, planned, 1, "check-in", body)).status_code == 422
        visit = await api.session.get(Visit, uuid.UUID(planned["visits"][0]["id"]))
        assert visit is not None
        assert visit.status == "planned"


# --- Completing and cancelling ------------------------------------------------------------------


def two_spot_plan_visits(planned: dict[str, Any]) -> tuple[str, str]:
    """The plan's first spot and its second (visits 1 and 3 are the first spot's again)."""
    visits = planned["visits"]
    assert visits[0]["hot_spot_id"] == visits[2]["hot_spot_id"] != visits[1]["hot_spot_id"]
    return visits[0]["hot_spot_id"], visits[1]["hot_spot_id"]


class TestCompleting:
    async def test_a_completed_round_tells_residents_where_it_went_and_nothing_more(
        self, api: Api
    ) -> None:
        spots = [await hot_spot(api, "Torget"), await hot_spot(api, "Parken", 1)]
        planned = await plan(api, spots)
        first, second = two_spot_plan_visits(planned)
        await work(api, planned, 1, 32, 20)  # 12 minutes
        await work(api, planned, 2, 19, 9)  # 10 minutes
        await work(api, planned, 3, 8, 1)  # 7 minutes
        response = await api.client.post(f"/rounds/{planned['id']}/complete", headers=token())
        assert response.status_code == 200, response.text
        completed = response.json()
        assert completed["status"] == "completed"
        assert [v["status"] for v in completed["visits"][3:]] == ["missed"] * (
            len(completed["visits"]) - 3
        )
        events = await api.outbox(COMPLETED)
        assert len(events) == 1
        data = events[0].payload["data"]
        assert set(data) == {"municipality_code", "round_id", "day", "places", "visits", "minutes"}
        assert (data["round_id"], data["municipality_code"]) == (planned["id"], HOME)
        shift_start = datetime.fromisoformat(planned["shift_start"])
        assert data["day"] == shift_start.astimezone(LOCAL_TIME).date().isoformat()
        assert (data["visits"], data["minutes"]) == (3, 29)
        places = {p["hot_spot_id"]: p for p in data["places"]}
        assert all(
            set(p) == {"hot_spot_id", "name", "locality", "area", "visits", "minutes"}
            for p in data["places"]
        )
        assert (places[first]["visits"], places[first]["minutes"]) == (2, 19)
        assert (places[second]["visits"], places[second]["minutes"]) == (1, 10)
        assert [p["name"] for p in data["places"]] == ["Parken", "Torget"]
        assert places[first]["area"]["type"] == "Polygon"
        published = json.dumps(events[0].payload, ensure_ascii=False)
        assert "2-310" not in published
        assert "tester" not in published

    async def test_a_round_where_nothing_was_done_completes_without_an_event(
        self, api: Api
    ) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        response = await api.client.post(f"/rounds/{planned['id']}/complete", headers=token())
        assert response.status_code == 200
        assert {v["status"] for v in response.json()["visits"]} == {"missed"}
        assert await api.outbox() == []

    async def test_a_round_with_a_visit_checked_in_or_over_cannot_be_completed(
        self, api: Api
    ) -> None:
        planned = await plan(api, [await hot_spot(api, "Torget")])
        complete = f"/rounds/{planned['id']}/complete"
        assert (await visit_report(api, planned, 1, "check-in", {"at": ago(3)})).status_code == 200
        assert (await api.client.post(complete, headers=token())).status_code == 409
        assert (await visit_report(api, planned, 1, "check-out", {})).status_code == 200
        assert (await api.client.post(complete, headers=token())).status_code == 200
        assert (await api.client.post(complete, headers=token())).status_code == 409
        assert (await visit_report(api, planned, 2, "check-in", {})).status_code == 409
        assert len(await api.outbox(COMPLETED)) == 1

    async def test_a_round_is_cancelled_only_before_its_first_check_in(self, api: Api) -> None:
        spot = await hot_spot(api, "Torget")
        untouched, started = await plan(api, [spot]), await plan(api, [spot])
        cancelled = await api.client.post(f"/rounds/{untouched['id']}/cancel", headers=token())
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
        assert (await visit_report(api, untouched, 1, "check-in", {})).status_code == 409
        again = await api.client.post(f"/rounds/{untouched['id']}/complete", headers=token())
        assert again.status_code == 409
        assert (await visit_report(api, started, 1, "check-in", {})).status_code == 200
        refused = await api.client.post(f"/rounds/{started['id']}/cancel", headers=token())
        assert refused.status_code == 409
        assert await api.outbox() == []


# --- Lists and dosage ---------------------------------------------------------------------------


class TestListing:
    async def test_rounds_are_listed_by_shift_with_their_counts_and_filters(self, api: Api) -> None:
        spot = await hot_spot(api, "Torget")
        soon = await plan(api, [spot])
        later = await plan(api, [spot], **shift(timedelta(days=1)))
        await work(api, soon, 1, 10, 2)
        listed = await api.client.get(f"/municipalities/{HOME}/rounds", headers=token())
        assert listed.status_code == 200
        page = listed.json()
        assert [r["id"] for r in page["items"]] == [later["id"], soon["id"]]
        assert page["items"][1]["visits_done"] == 1
        assert page["items"][1]["visits_planned"] == len(soon["visits"])
        tomorrow = datetime.fromisoformat(later["shift_start"]).astimezone(LOCAL_TIME).date()
        tomorrow = tomorrow.isoformat()
        only_later = await api.client.get(
            f"/municipalities/{HOME}/rounds", params={"from": tomorrow}, headers=token()
        )
        assert [r["id"] for r in only_later.json()["items"]] == [later["id"]]
        in_progress = await api.client.get(
            f"/municipalities/{HOME}/rounds", params={"status": "in_progress"}, headers=token()
        )
        assert [r["id"] for r in in_progress.json()["items"]] == [soon["id"]]
        backwards = await api.client.get(
            f"/municipalities/{HOME}/rounds",
            params={"from": tomorrow, "to": "2026-01-01"},
            headers=token(),
        )
        assert backwards.status_code == 422


async def stored_round(
    api: Api, status: str, visits: list[tuple[HotSpot, str, float | None]]
) -> None:
    """A round as it was worked: each visit's hot spot, status and real dwell in minutes."""
    start = datetime(2027, 2, 10, 17, tzinfo=UTC)
    patrol_round = PatrolRound(
        municipality_code=HOME,
        unit="Värnamo 2-310",
        shift_start=start,
        shift_end=start + timedelta(hours=6),
        status=status,
        rules=RoundSettings().model_dump(mode="json"),
        seed=1,
        created_by="planner",
    )
    api.session.add(patrol_round)
    await api.session.flush()
    for sequence, (spot, visit_status, dwell) in enumerate(visits, start=1):
        arrival = start + timedelta(minutes=30 * sequence)
        api.session.add(
            Visit(
                round_id=patrol_round.id,
                hot_spot_id=spot.id,
                sequence=sequence,
                planned_arrival=arrival,
                planned_departure=arrival + timedelta(minutes=12),
                status=visit_status,
                checked_in_at=arrival if dwell is not None else None,
                checked_out_at=arrival + timedelta(minutes=dwell) if dwell is not None else None,
            )
        )
    await api.session.flush()


class TestDosage:
    async def test_the_dosage_counts_completed_rounds_per_hot_spot(self, api: Api) -> None:
        torget, parken = await hot_spot(api, "Torget"), await hot_spot(api, "Parken", 1)
        await stored_round(
            api,
            "completed",
            [
                (torget, "done", 12),
                (parken, "done", 9.5),
                (torget, "done", 16),
                (parken, "missed", None),
            ],
        )
        await stored_round(api, "completed", [(torget, "done", 14), (torget, "missed", None)])
        # Neither a round under way nor a cancelled one counts.
        await stored_round(api, "in_progress", [(torget, "done", 12), (parken, "planned", None)])
        await stored_round(api, "cancelled", [(parken, "planned", None)])
        reader = token(["patrols:read"])
        params = {"from": "2027-02-10", "to": "2027-02-10"}
        response = await api.client.get(
            f"/municipalities/{HOME}/dosage", params=params, headers=reader
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["from_day"], report["to_day"]) == ("2027-02-10", "2027-02-10")
        rows = {row["name"]: row for row in report["hot_spots"]}
        assert rows["Torget"] | {"hot_spot_id": None} == {
            "hot_spot_id": None,
            "name": "Torget",
            "locality": "Forsheda",
            "planned_visits": 4,
            "visits_done": 3,
            "minutes": 42.0,
            "share_done": 0.75,
            "mean_dwell_minutes": 14.0,
            "share_dwell_within": pytest.approx(2 / 3, abs=1e-4),
        }
        assert rows["Parken"] | {"hot_spot_id": None} == {
            "hot_spot_id": None,
            "name": "Parken",
            "locality": "Forsheda",
            "planned_visits": 2,
            "visits_done": 1,
            "minutes": 9.5,
            "share_done": 0.5,
            "mean_dwell_minutes": 9.5,
            "share_dwell_within": 0.0,
        }
        assert "unit" not in response.text
        assert "Värnamo 2-310" not in response.text

    async def test_the_dosage_is_bounded_by_the_period_and_the_municipality(self, api: Api) -> None:
        torget = await hot_spot(api, "Torget")
        await stored_round(api, "completed", [(torget, "done", 12)])
        later = await api.client.get(
            f"/municipalities/{HOME}/dosage", params={"from": "2027-02-11"}, headers=token()
        )
        assert later.json()["hot_spots"] == []
        other = await api.client.get(
            f"/municipalities/{HOME}/dosage", headers=token(municipalities=[OTHER])
        )
        assert other.status_code == 403
        elsewhere = await api.client.get(
            f"/municipalities/{OTHER}/dosage", headers=token(municipalities=[OTHER])
        )
        assert elsewhere.json()["hot_spots"] == []
