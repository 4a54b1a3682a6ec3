"""The weekly picture: computed live, frozen as numbered versions on approval, exported,
analysed over approved weeks, and shared in public only as far as small counts allow."""

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from patrols_testkit import BREDARYD, FORSHEDA, HOME, OTHER, Api, token

from patrols.config import RoundSettings
from patrols.hotspots.models import HotSpot
from patrols.incidents.models import Incident
from patrols.rounds.models import PatrolRound, Visit
from shared import geo

pytestmark = pytest.mark.service

YEAR, WEEK = 2027, 6  # Monday 8 to Sunday 14 February 2027
BASE = f"/municipalities/{HOME}/situation/{YEAR}/{WEEK}"
READER = token(["patrols:read"])
MONDAY = datetime(2027, 2, 8, 12, tzinfo=UTC)


async def add(
    api: Api,
    count: int,
    *,
    weeks_before: int = 0,
    locality: str | None = "Forsheda",
    category: str = "vandalism",
    at: tuple[float, float] | None = FORSHEDA,
    source: str = "police",
    municipality: str = HOME,
) -> None:
    for n in range(count):
        api.session.add(
            Incident(
                municipality_code=municipality,
                source=source,
                external_id=str(uuid.uuid4()),
                category=category,
                occurred_at=MONDAY - timedelta(weeks=weeks_before) + timedelta(hours=n),
                location=geo.to_db(geo.Point(type="Point", coordinates=at)) if at else None,
                locality=locality,
                reported_by="tester",
                submission_hash="x",
            )
        )
    await api.session.flush()


async def get(api: Api, path: str, headers: dict[str, str] | None = None) -> Any:
    response = await api.client.get(path, headers=READER if headers is None else headers)
    assert response.status_code == 200, response.text
    return response


async def approve(api: Api, text: str = "Lugn vecka.") -> dict[str, Any]:
    result: dict[str, Any] = await api.post(BASE + "/approve", {"text": text})
    return result


async def standard_week(api: Api) -> None:
    """Forsheda: 7 vandalism and 6 littering this week, 5 vandalism the week before and 4 in
    each of the 3 before that; Bredaryd: 2 vandalism; one tip with no locality or point."""
    await add(api, 7)
    await add(api, 6, category="littering", source="tip")
    await add(api, 5, weeks_before=1)
    for weeks_before in (2, 3, 4):
        await add(api, 4, weeks_before=weeks_before)
    await add(api, 2, locality="Bredaryd", at=BREDARYD)
    await add(api, 1, locality=None, at=None, source="tip")


def by(items: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    return next(item for item in items if item[key] == value)


class TestLivePicture:
    async def test_counts_per_locality_category_cell_and_source(self, api: Api) -> None:
        await standard_week(api)
        picture = (await get(api, BASE)).json()
        assert (picture["first_day"], picture["last_day"]) == ("2027-02-08", "2027-02-14")
        assert picture["total"] == {"count": 16, "previous": 5, "change": 11, "mean_4w": 4.25}
        assert picture["by_source"] == {"police": 9, "tip": 7}
        forsheda = by(picture["localities"], "locality", "Forsheda")
        assert (forsheda["count"], forsheda["previous"], forsheda["mean_4w"]) == (13, 5, 4.25)
        vandalism = by(forsheda["categories"], "category", "vandalism")
        assert (vandalism["count"], vandalism["change"]) == (7, 2)
        assert by(picture["localities"], "locality", None)["count"] == 1
        assert by(picture["categories"], "category", "littering")["change"] == 6
        # Forsheda's 13 in one cell, Bredaryd's 2 in another; the tip without a point in none.
        assert sorted(cell["count"] for cell in picture["cells"]) == [2, 13]
        assert picture["cells"][0]["outline"]["type"] == "Polygon"

    async def test_hot_spots_with_dosage_and_rounds_completed(self, api: Api) -> None:
        spot = await hot_spot(api)
        await completed_round(api, spot, MONDAY, dwell_minutes=(12, 15))
        await completed_round(api, spot, MONDAY - timedelta(weeks=1), dwell_minutes=(10,))
        picture = (await get(api, BASE)).json()
        assert picture["hot_spots"] == [
            {
                "hot_spot_id": str(spot.id),
                "name": "Torget",
                "locality": "Forsheda",
                "column": 2200,
                "row": 31680,
                "visits_done": 2,
                "minutes": 27.0,
            }
        ]
        assert picture["rounds_completed"] == 1
        assert picture["rounds_by_locality"] == [{"locality": "Forsheda", "rounds": 1}]

    async def test_a_week_the_year_does_not_have_is_refused(self, api: Api) -> None:
        response = await api.client.get(f"/municipalities/{HOME}/situation/2027/53", headers=READER)
        assert response.status_code == 422


async def hot_spot(api: Api) -> HotSpot:
    spot = HotSpot(
        municipality_code=HOME,
        name="Torget",
        cell_size_m=200,
        cell_east=440_000,
        cell_north=6_336_000,
        area=geo.to_db(
            geo.Polygon(
                type="Polygon",
                coordinates=[[(13.82, 57.16), (13.83, 57.16), (13.83, 57.17), (13.82, 57.16)]],
            )
        ),
        locality="Forsheda",
        reason="Skadegörelse kvällstid",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 3, 31),
        ranking={},
        designated_by="analyst",
        designated_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    api.session.add(spot)
    await api.session.flush()
    return spot


async def completed_round(
    api: Api, spot: HotSpot, start: datetime, dwell_minutes: tuple[float, ...]
) -> None:
    patrol_round = PatrolRound(
        municipality_code=HOME,
        unit="Värnamo 2-310",
        shift_start=start,
        shift_end=start + timedelta(hours=6),
        status="completed",
        rules=RoundSettings().model_dump(mode="json"),
        seed=1,
        created_by="planner",
        completed_at=start + timedelta(hours=6),
    )
    api.session.add(patrol_round)
    await api.session.flush()
    for sequence, dwell in enumerate(dwell_minutes, start=1):
        arrival = start + timedelta(minutes=30 * sequence)
        api.session.add(
            Visit(
                round_id=patrol_round.id,
                hot_spot_id=spot.id,
                sequence=sequence,
                planned_arrival=arrival,
                planned_departure=arrival + timedelta(minutes=12),
                status="done",
                checked_in_at=arrival,
                checked_out_at=arrival + timedelta(minutes=dwell),
            )
        )
    await api.session.flush()


class TestVersions:
    async def test_approval_freezes_the_picture_as_version_1(self, api: Api) -> None:
        await standard_week(api)
        live = (await get(api, BASE)).json()
        report = await approve(api)
        assert (report["version"], report["status"], report["threshold"]) == (1, "approved", 5)
        assert report["figures"] == live
        stored = (await get(api, BASE + "/versions/1")).json()
        assert stored == report

    async def test_a_frozen_week_does_not_move_and_a_correction_is_version_2(
        self, api: Api
    ) -> None:
        await standard_week(api)
        first = await approve(api)
        await add(api, 3, category="graffiti")  # reported late, about the same week
        live = (await get(api, BASE)).json()
        assert live["total"]["count"] == 19
        assert (await get(api, BASE + "/versions/1")).json() == first
        second = await approve(api, "Rättad: klotter tillagt.")
        assert (second["version"], second["figures"]["total"]["count"]) == (2, 19)
        assert (await get(api, BASE + "/versions/1")).json() == first
        assert (await get(api, BASE + "/versions/2")).json() == second
        listed = (await get(api, BASE + "/versions")).json()["versions"]
        assert [v["version"] for v in listed] == [1, 2]

    async def test_there_is_no_route_that_edits_a_version(self, api: Api) -> None:
        await standard_week(api)
        await approve(api)
        for method in ("PUT", "PATCH", "DELETE"):
            response = await api.client.request(method, BASE + "/versions/1", headers=token())
            assert response.status_code == 405

    async def test_the_event_carries_only_counts_safe_to_share(self, api: Api) -> None:
        await standard_week(api)
        await add(api, 3, locality="Bredaryd", at=BREDARYD)  # Bredaryd 5
        await approve(api)
        (message,) = await api.outbox("se.trygg.patrols.situation_report.approved.v1")
        data: dict[str, Any] = message.payload["data"]  # type: ignore[assignment]
        assert (data["year"], data["week"], data["version"], data["threshold"]) == (2027, 6, 1, 5)
        assert data["total"] == 19
        # The 1 without a locality is never listed, so Bredaryd's 5 is hidden with it (19 - 13
        # is 6, split between two); Forsheda's 13 is shown, its vandalism (7) up from 5 and its
        # littering (6) from 0: both safe.
        assert [place["locality"] for place in data["places"]] == ["Forsheda"]
        (forsheda,) = data["places"]
        assert forsheda["total"] == 13
        assert sorted((c["category"], c["count"], c["change"]) for c in forsheda["categories"]) == [
            ("littering", 6, 6),
            ("vandalism", 7, 2),
        ]
        assert not any(0 < n < 5 for n in numbers(data))
        assert (data["hot_spots"], data["rounds"]) == (0, 0)

    async def test_a_read_token_cannot_approve(self, api: Api) -> None:
        response = await api.client.post(BASE + "/approve", json={"text": "x"}, headers=READER)
        assert response.status_code == 403
        assert (await get(api, BASE + "/versions")).json()["versions"] == []

    async def test_another_municipalitys_weeks_are_not_found(self, api: Api) -> None:
        await standard_week(api)
        await approve(api)
        theirs = token(municipalities=[OTHER])
        for path in (BASE, BASE + "/versions", BASE + "/versions/1", BASE + "/versions/1.csv"):
            response = await api.client.get(path, headers=theirs)
            assert response.status_code == 404, path
        response = await api.client.post(BASE + "/approve", json={"text": "x"}, headers=theirs)
        assert response.status_code == 404
        assert (await api.client.get(BASE + "/versions/2", headers=READER)).status_code == 404

    async def test_unknown_fields_are_refused(self, api: Api) -> None:
        await api.post(BASE + "/approve", {"text": "x", "version": 7}, expect=422)


def numbers(value: Any) -> list[int]:
    """Every count in a JSON value: not the ISO year, week, version or threshold, nor a change
    (the property tests prove a change never gives a small count back)."""
    if isinstance(value, dict):
        skip = {"year", "week", "version", "threshold", "change"}
        return [n for k, v in value.items() if k not in skip for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


class TestExports:
    async def test_csv_geojson_and_html_match_the_figures(self, api: Api) -> None:
        await standard_week(api)
        figures = (await approve(api))["figures"]
        response = await get(api, BASE + "/versions/1.csv")
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        forsheda = next(r for r in rows if r["level"] == "locality" and r["locality"] == "Forsheda")
        assert (forsheda["count"], forsheda["change"]) == ("13", "8")
        cells = [r for r in rows if r["level"] == "cell"]
        assert sorted(int(r["count"]) for r in cells) == [2, 13]
        littering = next(
            r for r in rows if r["level"] == "category" and r["category"] == "littering"
        )
        assert littering["count"] == "6"

        collection = json.loads((await get(api, BASE + "/versions/1.geojson")).text)
        assert collection["type"] == "FeatureCollection"
        shown = {
            (f["properties"]["column"], f["properties"]["row"]): f for f in collection["features"]
        }
        for cell in figures["cells"]:
            feature = shown[(cell["column"], cell["row"])]
            assert feature["properties"]["count"] == cell["count"]
            assert feature["geometry"] == cell["outline"]

        page = await get(api, BASE + "/versions/1.html")
        assert page.headers["content-type"].startswith("text/html")
        for shown in ("Lugn vecka.", "Forsheda", "<td>13</td>"):
            assert shown in page.text

    async def test_the_html_page_escapes_the_text(self, api: Api) -> None:
        await approve(api, "<script>x</script>")
        page = await get(api, BASE + "/versions/1.html")
        assert "<script>" not in page.text
        assert "&lt;script&gt;" in page.text


class TestPublicSummary:
    async def test_only_approved_weeks_are_served_without_a_token(self, api: Api) -> None:
        await standard_week(api)
        await add(api, 3, locality="Bredaryd", at=BREDARYD)
        path = f"/public/{HOME}/situation/{YEAR}/{WEEK}"
        assert (await api.client.get(path)).status_code == 404
        await approve(api)
        summary = (await api.client.get(path)).json()
        assert (summary["total"], summary["version"]) == (19, 1)
        assert [p["locality"] for p in summary["places"]] == ["Forsheda"]
        assert not any(0 < n < 5 for n in numbers(summary))

    async def test_one_small_place_hides_another_so_the_total_gives_nothing_back(
        self, api: Api
    ) -> None:
        """Secondary suppression, end to end."""
        # Forsheda 6, Bredaryd 5, Rydaholm 2: with the total shown, Rydaholm alone hidden would
        # be 13 - 6 - 5; the smallest shown place is hidden with it.
        await add(api, 6)
        await add(api, 5, locality="Bredaryd", at=BREDARYD)
        await add(api, 2, locality="Rydaholm", at=BREDARYD)
        await approve(api)
        summary = (await api.client.get(f"/public/{HOME}/situation/{YEAR}/{WEEK}")).json()
        assert summary["total"] == 13
        assert [p["locality"] for p in summary["places"]] == ["Forsheda"]


class TestAnalysis:
    async def test_a_quarter_of_two_approved_weeks(self, api: Api) -> None:
        spot = await hot_spot(api)
        await add(api, 2, weeks_before=1)  # week 5: Forsheda 2
        await add(api, 4, weeks_before=1, locality="Bredaryd", at=BREDARYD)  # Bredaryd 4
        await api.post(f"/municipalities/{HOME}/situation/{YEAR}/5/approve", {"text": "v5"})
        await add(api, 6)  # week 6: Forsheda 6, Bredaryd 0
        await completed_round(api, spot, MONDAY, dwell_minutes=(12,))
        await approve(api)
        await approve(api)  # the later version of the week counts, once
        analysis = (
            await get(
                api,
                f"/municipalities/{HOME}/situation/analysis?period=quarter&year=2027&quarter=1",
            )
        ).json()
        assert analysis["weeks"] == [5, 6]
        forsheda = next(
            s for s in analysis["series"] if s["locality"] == "Forsheda" and s["category"] is None
        )
        assert (forsheda["weekly"], forsheda["slope"]) == ([2, 6], 4.0)
        assert (forsheda["first_half"], forsheda["second_half"]) == (2, 6)
        assert analysis["grew"][0]["locality"] == "Forsheda"
        assert analysis["shrank"][0]["locality"] == "Bredaryd"
        assert analysis["efforts"] == [
            {"locality": "Forsheda", "hot_spots": 1, "visits_done": 1, "minutes": 12.0, "rounds": 1}
        ]
        assert analysis["rounds_completed"] == 1

    async def test_a_quarter_needs_its_number(self, api: Api) -> None:
        response = await api.client.get(
            f"/municipalities/{HOME}/situation/analysis?period=quarter&year=2027", headers=READER
        )
        assert response.status_code == 422
