"""The evaluation of hot spots: treated cells against comparable untreated cells, before and
after, with the difference in differences and its bootstrap interval."""

from datetime import datetime
from typing import Any

import pytest
from hotspots_testkit import BARE, Place, add_incidents
from patrols_testkit import OTHER, Api, token
from sqlmodel.ext.asyncio.session import AsyncSession

from patrols.domain import LOCAL_TIME

pytestmark = pytest.mark.service

PERIODS = {
    "before_from": "2026-01-01",
    "before_to": "2026-03-31",
    "after_from": "2026-04-01",
    "after_to": "2026-06-29",
    "cell_size_m": 200,
}
BEFORE = datetime(2026, 2, 10, 12, tzinfo=LOCAL_TIME)
AFTER = datetime(2026, 5, 10, 12, tzinfo=LOCAL_TIME)
TREATED = [Place(0, 0), Place(10, 0), Place(20, 0)]
# Nine untreated cells six rows north, three columns apart: each treated cell's three nearest.
UNTREATED = [Place(3 * i, 6) for i in range(9)]
BESIDE = Place(1, 0)  # touches the first treated cell


async def designate(api: Api, place: Place, start: str, end: str, size: int = 200) -> str:
    body = {
        "name": f"Ruta {place.dx}",
        "cell_east": place.east - place.east % size,
        "cell_north": place.north - place.north % size,
        "cell_size_m": size,
        "reason": "Högst i rangordningen.",
        "period_start": start,
        "period_end": end,
    }
    response = await api.client.post(
        f"/municipalities/{BARE}/hot-spots", json=body, headers=token(municipalities=[BARE])
    )
    assert response.status_code == 201, response.text
    spot_id: str = response.json()["id"]
    return spot_id


async def scene(api: Api, untreated_after: list[int]) -> list[str]:
    """Six incidents before in every cell; after, one in each treated cell and the given
    numbers in the untreated ones. The treated cells' hot spots cover the after period."""
    session: AsyncSession = api.session
    for place in [*TREATED, *UNTREATED, BESIDE]:
        await add_incidents(session, place, *[BEFORE] * 6)
    for place in TREATED:
        await add_incidents(session, place, AFTER)
    for place, count in zip(UNTREATED, untreated_after, strict=True):
        await add_incidents(session, place, *[AFTER] * count)
    await add_incidents(session, BESIDE, *[AFTER] * 6)
    spots = [await designate(api, place, "2026-04-01", "2026-06-30") for place in TREATED]
    # Neither is treated: one ended before the after period, one is on the 250 m grid.
    await designate(api, Place(30, 0), "2025-10-01", "2026-03-31")
    await designate(api, Place(40, 0, 250), "2026-04-01", "2026-06-30", size=250)
    return spots


async def evaluate(api: Api, expect: int = 200, **params: Any) -> Any:
    response = await api.client.get(
        f"/municipalities/{BARE}/evaluation",
        params=PERIODS | params,
        headers=token(municipalities=[BARE]),
    )
    assert response.status_code == expect, response.text
    return response.json()


async def test_hot_spots_that_drop_while_their_comparisons_do_not(api: Api) -> None:
    spots = await scene(api, [6, 5, 7, 6, 6, 5, 7, 6, 6])
    report = await evaluate(api, seed=3)
    treated, comparison = report["treated"], report["comparison"]
    assert (treated["cells"], treated["incidents_before"], treated["incidents_after"]) == (3, 18, 3)
    assert (comparison["cells"], comparison["incidents_before"]) == (9, 54)
    assert comparison["incidents_after"] == 54
    # Per cell per 30 days over 90-day periods: treated 2 -> 1/3, comparison 2 -> 2.
    assert treated["change"] == pytest.approx(-5 / 3)
    assert comparison["change"] == pytest.approx(0)
    assert report["did"] == pytest.approx(-5 / 3)
    assert report["ratio"] == pytest.approx(1 / 6)
    low, high = report["did_ci95"]
    # The sets' comparison changes are -1/9, 0 and 1/9: every resample lies within them.
    assert -5 / 3 - 1 / 9 <= low <= report["did"] <= high <= -5 / 3 + 1 / 9
    assert high < 0
    assert sorted(id_ for m in report["matches"] for id_ in m["hot_spot_ids"]) == sorted(spots)


async def test_comparisons_are_the_closest_counts_nearest_first_never_beside_a_hot_spot(
    api: Api,
) -> None:
    await scene(api, [6] * 9)
    report = await evaluate(api)
    chosen = {
        m["treated"]["cell_east"]: [c["cell_east"] for c in m["comparison"]]
        for m in report["matches"]
    }
    east = [p.east for p in UNTREATED]
    assert chosen == {
        TREATED[0].east: east[0:3],
        TREATED[1].east: [east[3], east[4], east[5]],
        TREATED[2].east: [east[7], east[6], east[8]],
    }
    assert all(c["before"] == 6 for m in report["matches"] for c in m["comparison"])
    assert BESIDE.east not in {c for cells in chosen.values() for c in cells}


async def test_when_the_comparison_drops_as_much_the_interval_holds_zero(api: Api) -> None:
    await scene(api, [1, 0, 2, 1, 1, 0, 2, 1, 1])
    report = await evaluate(api)
    assert report["did"] == pytest.approx(0)
    low, high = report["did_ci95"]
    assert low <= 0 <= high


async def test_the_same_seed_gives_the_same_interval(api: Api) -> None:
    await scene(api, [6, 5, 7, 6, 6, 5, 7, 6, 6])
    assert (await evaluate(api, seed=9)) == (await evaluate(api, seed=9))


async def test_without_hot_spots_there_is_nothing_to_compare(api: Api) -> None:
    await add_incidents(api.session, UNTREATED[0], BEFORE, AFTER)
    report = await evaluate(api)
    assert (report["treated"]["cells"], report["comparison"]["cells"]) == (0, 0)
    assert (report["did"], report["did_ci95"], report["ratio"]) == (None, None, None)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"after_from": "2026-03-31"}, "after_from"),
        ({"before_from": "2025-01-01"}, "before_to"),
        ({"after_to": "2026-03-31"}, "after_to"),
        ({"cell_size_m": 175}, "cell_size_m"),
    ],
)
async def test_bad_periods_are_refused(api: Api, params: dict[str, Any], parameter: str) -> None:
    problem = await evaluate(api, expect=422, **params)
    named = {"in": "query", "name": parameter}
    assert named in [e.get("parameter") for e in problem["errors"]]


async def test_another_municipality_s_evaluation_is_forbidden(api: Api) -> None:
    response = await api.client.get(
        f"/municipalities/{BARE}/evaluation", params=PERIODS, headers=token(municipalities=[OTHER])
    )
    assert response.status_code == 403
