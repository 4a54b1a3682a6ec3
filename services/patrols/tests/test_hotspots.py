"""Hot spots: the ranking of grid cells by count and Gi*, its accuracy (hit rate and PAI), and
designating and retiring hot spots."""

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hotspots_testkit import BARE, EAST, NORTH, Place, add_incidents
from patrols_testkit import HOME, OTHER, Api, token
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import LOCAL_TIME

pytestmark = pytest.mark.service

DESIGNATED = "se.trygg.patrols.hot_spot.designated.v1"
RETIRED = "se.trygg.patrols.hot_spot.retired.v1"
PERIOD = {"from": "2026-09-01", "to": "2026-11-30"}
A = Place(0, 0)
C = Place(20, 0)
BLOCK = [Place(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
# A's 3 x 3 block and C, each with the cells within two rings (5 x 5 around C, 7 x 7 around
# the block): what Gi* is computed over in a municipality without known localities.
CELLS = 7 * 7 + 5 * 5
FORSHEDA_CELL = Place((429_000 - EAST) // 200, (6_336_400 - NORTH) // 200)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TIME)


async def cluster(session: AsyncSession) -> None:
    """A in the middle of a 3 x 3 block of incidents, C far off, two without a point."""
    await add_incidents(
        session,
        A,
        local("2026-10-02T20:30"),  # Friday, 18-21
        local("2026-10-02T20:45"),
        datetime(2026, 10, 2, 22, 30, tzinfo=UTC),  # Saturday 00:30 in Sweden, 00-03
        local("2026-10-05T12:00"),  # Monday, 12-15
        local("2026-10-05T12:10"),
    )
    for place in BLOCK:
        await add_incidents(session, place, local("2026-10-05T12:00"), local("2026-10-06T09:00"))
    await add_incidents(session, C, local("2026-10-07T10:00"))
    await add_incidents(session, C, *[local("2026-10-08T10:00")] * 2, category="narcotics")
    await add_incidents(session, None, *[local("2026-10-09T10:00")] * 2)
    # Another municipality's incident in the same square: not counted.
    await add_incidents(session, A, local("2026-10-02T20:30"), municipality=HOME)


async def rank(api: Api, expect: int = 200, **params: Any) -> Any:
    response = await api.client.get(
        f"/municipalities/{BARE}/hot-spots/ranking",
        params=PERIOD | {"cell_size_m": 200} | params,
        headers=token(municipalities=[BARE]),
    )
    assert response.status_code == expect, response.text
    return response.json()


def corners(collection: Any) -> list[tuple[int, int]]:
    return [
        (f["properties"]["cell_east"], f["properties"]["cell_north"])
        for f in collection["features"]
    ]


def hand_z(window_sum: float, weight: int, values: list[float], n: int) -> float:
    """Gi* z by the formula, the zeros of the other cells included."""
    mean = sum(values) / n
    sd = math.sqrt(sum(v * v for v in values) / n - mean**2)
    return (window_sum - mean * weight) / (sd * math.sqrt((n * weight - weight**2) / (n - 1)))


class TestRanking:
    async def test_cells_rank_by_count_with_the_category_filter(self, api: Api) -> None:
        await cluster(api.session)
        by_count = await rank(api, order="count", limit=10)
        assert corners(by_count)[:2] == [(A.east, A.north), (C.east, C.north)]
        assert [f["properties"]["count"] for f in by_count["features"]] == [5, 3, *[2] * 8]
        assert [f["properties"]["rank"] for f in by_count["features"]] == list(range(1, 11))
        assert (by_count["cells_considered"], by_count["incidents"]) == (CELLS, 24)
        assert by_count["incidents_without_place"] == 2
        vandalism = await rank(api, order="count", limit=10, category="vandalism")
        assert corners(vandalism)[-1] == (C.east, C.north)
        assert vandalism["features"][-1]["properties"]["count"] == 1

    async def test_gi_star_puts_the_middle_of_the_cluster_first(self, api: Api) -> None:
        await cluster(api.session)
        ranking = await rank(api, limit=3)
        first, second = (f["properties"] for f in ranking["features"][:2])
        assert (first["cell_east"], first["cell_north"]) == (A.east, A.north)
        # Next, of the four cells beside A (each window holds A and five 2s), the westernmost.
        assert (second["cell_east"], second["cell_north"]) == (A.east - 200, A.north)
        values = [5.0, *[2.0] * 8, 3.0]
        assert first["gi_z"] == pytest.approx(hand_z(21, 9, values, CELLS), rel=1e-9)
        assert second["gi_z"] == pytest.approx(hand_z(15, 9, values, CELLS), rel=1e-9)
        # A's neighbours hold the eight highest of the other values: no draw reaches them.
        assert (first["p_value"], first["significance"]) == (0.001, "99.9")
        lone = (await rank(api, order="count", limit=2))["features"][1]["properties"]
        # C has nothing around it: the smallest folded p, from the lower tail; no hot spot.
        assert (lone["cell_east"], lone["p_value"], lone["significance"]) == (C.east, 0.001, "none")
        assert ranking["features"][0]["geometry"]["type"] == "Polygon"
        assert ranking["features"][0]["id"] == f"200:{A.east}:{A.north}"

    async def test_profiles_count_in_swedish_time_blocks_and_weekdays(self, api: Api) -> None:
        await cluster(api.session)
        first = (await rank(api, limit=1))["features"][0]["properties"]
        assert first["profiles"] == {
            "hours": [1, 0, 0, 0, 2, 0, 2, 0],
            "weekdays": [2, 0, 0, 0, 2, 1, 0],
        }

    async def test_the_same_seed_gives_the_same_ranking(self, api: Api) -> None:
        await cluster(api.session)
        once, again = await rank(api, seed=7, limit=30), await rank(api, seed=7, limit=30)
        assert once == again
        assert once["seed"] == 7
        assert once["permutations"] == 999

    async def test_an_empty_period_ranks_no_cell(self, api: Api) -> None:
        empty = await rank(api)
        assert (empty["features"], empty["cells_considered"]) == ([], 0)

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"cell_size_m": 300}, "cell_size_m"),
            ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),
            ({"from": "2026-11-30", "to": "2026-09-01"}, "to"),
            ({"limit": 501}, "limit"),
            ({"permutations": 10}, "permutations"),
            ({"order": "kde"}, "order"),
        ],
    )
    async def test_a_bad_query_is_refused(
        self, api: Api, params: dict[str, Any], parameter: str
    ) -> None:
        problem = await rank(api, expect=422, **params)
        named = {"in": "query", "name": parameter}
        assert named in [e.get("parameter") for e in problem["errors"]]

    async def test_another_municipality_s_ranking_is_forbidden(self, api: Api) -> None:
        response = await api.client.get(
            f"/municipalities/{BARE}/hot-spots/ranking",
            params=PERIOD,
            headers=token(municipalities=[OTHER]),
        )
        assert response.status_code == 403


async def accuracy(api: Api, expect: int = 200, **params: Any) -> Any:
    test = {"test_from": "2026-12-01", "test_to": "2026-12-31", "cell_size_m": 200}
    response = await api.client.get(
        f"/municipalities/{BARE}/hot-spots/accuracy",
        params=PERIOD | test | params,
        headers=token(municipalities=[BARE]),
    )
    assert response.status_code == expect, response.text
    return response.json()


class TestAccuracy:
    async def later(self, session: AsyncSession) -> None:
        """Six later incidents: three in A, one in C, two far off (outside every cell)."""
        await cluster(session)
        await add_incidents(session, A, *[local("2026-12-10T12:00")] * 3)
        await add_incidents(session, C, local("2026-12-11T12:00"))
        await add_incidents(session, Place(40, 0), *[local("2026-12-12T12:00")] * 2)

    async def test_the_top_cell_by_count(self, api: Api) -> None:
        await self.later(api.session)
        report = await accuracy(api, top=1, order="count")
        # n = 3 of N = 6 in one cell of 74: hit rate 1/2, PAI (3/6) / (1/74) = 37.
        assert (report["incidents_in_top"], report["incidents"], report["top"]) == (3, 6, 1)
        assert report["hit_rate"] == pytest.approx(0.5)
        assert report["area_top_km2"] == pytest.approx(0.04)
        assert report["area_km2"] == pytest.approx(CELLS * 0.04)
        assert report["pai"] == pytest.approx(37.0)

    async def test_the_top_nine_by_gi_star(self, api: Api) -> None:
        await self.later(api.session)
        report = await accuracy(api, top=9)
        # The 3 x 3 block: 3 of 6, in 9 cells of 74: PAI 0.5 / (9 / 74).
        assert (report["incidents_in_top"], report["cells_considered"]) == (3, CELLS)
        assert report["pai"] == pytest.approx(0.5 / (9 / CELLS))

    async def test_no_later_incident_gives_no_rate(self, api: Api) -> None:
        await cluster(api.session)
        report = await accuracy(api, top=5)
        assert (report["incidents"], report["hit_rate"], report["pai"]) == (0, None, None)

    async def test_the_test_period_must_come_after(self, api: Api) -> None:
        problem = await accuracy(api, expect=422, test_from="2026-11-30")
        assert problem["errors"][0]["parameter"] == {"in": "query", "name": "test_from"}


def designation(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Torget i Forsheda",
        "cell_east": FORSHEDA_CELL.east,
        "cell_north": FORSHEDA_CELL.north,
        "cell_size_m": 200,
        "reason": "Skadegörelse kvällstid vid busshållplatsen, först i rangordningen.",
        "period_start": "2026-12-01",
        "period_end": "2027-02-28",
    }
    return body | overrides


async def designate(api: Api, expect: int = 201, **overrides: Any) -> Any:
    response = await api.client.post(
        f"/municipalities/{HOME}/hot-spots", json=designation(**overrides), headers=token()
    )
    assert response.status_code == expect, response.text
    return response.json()


class TestDesignation:
    async def test_a_cell_becomes_a_hot_spot_with_its_ranking(self, api: Api) -> None:
        moments = [local("2026-11-10T21:00"), local("2026-11-11T22:00"), local("2026-11-12T23:00")]
        await add_incidents(api.session, FORSHEDA_CELL, *moments, municipality=HOME)
        spot = await designate(api)
        properties = spot["properties"]
        assert (properties["locality"], properties["active"]) == ("Forsheda", True)
        assert properties["designated_by"] == "tester"
        ranking = properties["ranking"]
        assert (ranking["count"], ranking["rank"]) == (3, 1)
        # Nothing around it: its neighbours are at the bottom of their draws, not a hot spot.
        assert (ranking["p_value"], ranking["significance"]) == (0.001, "none")
        assert ranking["gi_z"] > 0
        assert (ranking["period_from"], ranking["period_to"]) == ("2026-09-02", "2026-11-30")
        assert spot["geometry"]["type"] == "Polygon"
        [event] = await api.outbox(DESIGNATED)
        data = event.payload["data"]
        assert (data["hot_spot_id"], data["name"]) == (spot["id"], "Torget i Forsheda")
        assert data["area"] == spot["geometry"]
        assert (data["period_start"], data["cell_size_m"]) == ("2026-12-01", 200)

    @pytest.mark.parametrize(
        ("overrides", "pointer"),
        [
            ({"cell_east": FORSHEDA_CELL.east + 50}, "/cell_east"),
            ({"cell_size_m": 250}, "/cell_north"),
            ({"cell_size_m": 300}, "/cell_size_m"),
            ({"period_end": "2026-11-30"}, "/period_end"),
            ({"cell_east": 700_000, "cell_north": 7_000_000}, "/cell_east"),
            ({"cell_east": "429000"}, "/cell_east"),
            ({"colour": "red"}, "/colour"),
        ],
    )
    async def test_a_bad_designation_is_refused(
        self, api: Api, overrides: dict[str, Any], pointer: str
    ) -> None:
        problem = await designate(api, expect=422, **overrides)
        assert pointer in [e["pointer"] for e in problem["errors"]]
        assert await api.outbox() == []

    async def test_an_active_cell_cannot_be_designated_twice(self, api: Api) -> None:
        await designate(api)
        problem = await designate(api, expect=409, name="Busstorget")
        assert problem["title"] == "The hot spot's state does not allow this"
        assert len(await api.outbox(DESIGNATED)) == 1

    async def test_a_retired_cell_can_be_designated_again(self, api: Api) -> None:
        first = await designate(api)
        await api.post(f"/hot-spots/{first['id']}/retire", {"reason": "Flyttat."}, expect=200)
        second = await designate(api, period_start="2027-03-01", period_end="2027-05-31")
        assert second["id"] != first["id"]

    async def test_a_designation_sent_again_with_its_key_is_made_once(self, api: Api) -> None:
        path, key = f"/municipalities/{HOME}/hot-spots", {"Idempotency-Key": "hs-1"}
        first = await api.client.post(path, json=designation(), headers=token() | key)
        again = await api.client.post(path, json=designation(), headers=token() | key)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotency-Replay"] == "true"
        assert again.json() == first.json()
        assert len(await api.outbox(DESIGNATED)) == 1

    async def test_designating_needs_patrols_write(self, api: Api) -> None:
        response = await api.client.post(
            f"/municipalities/{HOME}/hot-spots",
            json=designation(),
            headers=token(["patrols:read"]),
        )
        assert response.status_code == 403
        assert await api.outbox() == []


class TestHotSpots:
    async def test_retiring_records_who_and_why_once(self, api: Api) -> None:
        spot = await designate(api)
        retired = await api.post(
            f"/hot-spots/{spot['id']}/retire", {"reason": "Lugnt sedan belysningen byttes."}, 200
        )
        properties = retired["properties"]
        assert (properties["active"], properties["retired_by"]) == (False, "tester")
        assert properties["retire_reason"] == "Lugnt sedan belysningen byttes."
        assert properties["retired_at"] is not None
        [event] = await api.outbox(RETIRED)
        assert event.payload["data"]["hot_spot_id"] == spot["id"]
        again = await api.client.post(
            f"/hot-spots/{spot['id']}/retire", json={"reason": "Igen."}, headers=token()
        )
        assert again.status_code == 409
        assert len(await api.outbox(RETIRED)) == 1

    async def test_lists_filter_active_and_retired(self, api: Api) -> None:
        kept = await designate(api)
        gone = await designate(api, cell_east=FORSHEDA_CELL.east + 200, name="Stationen")
        await api.post(f"/hot-spots/{gone['id']}/retire", {"reason": "Flyttat."}, 200)
        path = f"/municipalities/{HOME}/hot-spots"
        for active, expected in (("true", [kept]), ("false", [gone]), (None, [gone, kept])):
            params = {"active": active} if active else {}
            listed = (await api.client.get(path, params=params, headers=token())).json()
            assert [f["id"] for f in listed["features"]] == [s["id"] for s in expected]
            assert listed["total"] == len(expected)

    async def test_another_municipality_s_hot_spot_does_not_exist_for_the_caller(
        self, api: Api
    ) -> None:
        spot = await designate(api)
        other = token(municipalities=[OTHER])
        read = await api.client.get(f"/hot-spots/{spot['id']}", headers=other)
        assert read.status_code == 404
        retire = await api.client.post(
            f"/hot-spots/{spot['id']}/retire", json={"reason": "Nej."}, headers=other
        )
        assert retire.status_code == 404
        mine = await api.client.get(f"/hot-spots/{spot['id']}", headers=token())
        assert mine.json()["properties"]["active"] is True
        assert await api.outbox(RETIRED) == []

    async def test_retiring_needs_patrols_write(self, api: Api) -> None:
        spot = await designate(api)
        response = await api.client.post(
            f"/hot-spots/{spot['id']}/retire",
            json={"reason": "Nej."},
            headers=token(["patrols:read"]),
        )
        assert response.status_code == 403
