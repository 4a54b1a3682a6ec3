"""Dates and moments: refused outside 2000-2100 on the way in, rendered whatever is stored."""

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from walks_testkit import (
    Api,
    measure_body,
    observation_body,
    parameters,
    plan_body,
    pointers,
    token,
    walk_body,
)

pytestmark = pytest.mark.service

OUT_OF_RANGE = [
    "0001-01-01T00:30:00+01:00",  # before year 1 in UTC: overflowed
    "9999-12-31T23:59:59-02:00",  # after year 9999 in UTC: overflowed
    "0001-01-01T00:00:00Z",  # stored as -infinity
    "1999-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
    "2026-10-14T18:30:00",  # no time zone
    "2026-10-14 18:30:00+02:00",  # not RFC 3339
]
DAYS_OUT_OF_RANGE = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]


class TestMomentsAreBounded:
    @pytest.mark.parametrize("value", OUT_OF_RANGE)
    async def test_a_walk_starting_outside_the_range_is_refused(self, api: Api, value: str) -> None:
        response = await api.client.post("/walks", json=walk_body(starts_at=value), headers=token())
        assert pointers(response) == ["/starts_at"]

    @pytest.mark.parametrize("value", OUT_OF_RANGE[:3])
    async def test_every_moment_of_the_input_is_bounded(self, api: Api, value: str) -> None:
        walk = await api.walk()
        calls: list[tuple[str, str, dict[str, Any], str]] = [
            ("PATCH", f"/walks/{walk['id']}", {"starts_at": value}, "/starts_at"),
            ("POST", f"/walks/{walk['id']}/conduct", {"conducted_at": value}, "/conducted_at"),
            (
                "POST",
                f"/walks/{walk['id']}/observations",
                observation_body(observed_at=value),
                "/observed_at",
            ),
            (
                "POST",
                f"/walks/{walk['id']}/observations/batch",
                {"observations": [observation_body(id=str(uuid.uuid4()), observed_at=value)]},
                "/observations/0/observed_at",
            ),
        ]
        for method, url, body, pointer in calls:
            response = await api.client.request(method, url, json=body, headers=token())
            assert pointers(response) == [pointer], (method, url)

    async def test_the_edges_of_the_range_are_accepted(self, api: Api) -> None:
        early = await api.walk(starts_at="2000-01-01T00:30:00+01:00", pre_meeting_date=None)
        late = await api.walk(starts_at="2100-12-31T23:59:59Z", closing_meeting_date=None)
        assert early["starts_at"] == "1999-12-31T23:30:00Z"
        assert late["starts_at"] == "2100-12-31T23:59:59Z"


class TestDaysAreBounded:
    @pytest.mark.parametrize("value", DAYS_OUT_OF_RANGE)
    async def test_every_day_of_the_input_is_bounded(self, api: Api, value: str) -> None:
        plan = await api.plan()
        calls: list[tuple[str, str, dict[str, Any], str]] = [
            ("POST", "/walks", walk_body(pre_meeting_date=value), "/pre_meeting_date"),
            ("POST", "/walks", walk_body(closing_meeting_date=value), "/closing_meeting_date"),
            (
                "POST",
                "/action-plans",
                plan_body(measures=[measure_body(due_date=value)]),
                "/measures/0/due_date",
            ),
            (
                "POST",
                f"/action-plans/{plan['id']}/measures",
                measure_body(due_date=value),
                "/due_date",
            ),
        ]
        for method, url, body, pointer in calls:
            response = await api.client.request(method, url, json=body, headers=token())
            assert pointers(response) == [pointer], (method, url)

    @pytest.mark.parametrize("path", ["/walks", "/action-plans", "/observations"])
    async def test_a_day_filter_outside_the_range_is_refused(self, api: Api, path: str) -> None:
        response = await api.client.get(path, params={"date_from": "0001-01-01"}, headers=token())
        assert parameters(response) == [{"in": "query", "name": "date_from"}]


def _dated_schemas(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("format") in ("date", "date-time") else []
        return found + [s for value in node.values() for s in _dated_schemas(value)]
    if isinstance(node, list):
        return [s for value in node for s in _dated_schemas(value)]
    return []


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return own.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def _inputs(document: dict[str, Any]) -> list[Any]:
    """Every parameter and every schema a request body reaches."""
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    components = document["components"]["schemas"]
    names = _refs([op.get("requestBody", {}) for op in operations])
    while True:
        more = _refs([components[name] for name in names]) - names
        if not more:
            break
        names |= more
    return [op.get("parameters", []) for op in operations] + [components[n] for n in names]


def test_the_document_states_the_range_of_every_input_date(app: FastAPI) -> None:
    dated = _dated_schemas(_inputs(app.openapi()))
    assert len(dated) >= 12
    for schema in dated:
        assert schema["pattern"].startswith("^(20[0-9]{2}|2100)-"), schema


# --- what is already stored ---------------------------------------------------------------------

EXTREMES = ["-infinity", "infinity", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00"]
DATED_WALK_FIELDS = ("starts_at", "pre_meeting_date", "closing_meeting_date")
# As a protocol's stored document may hold them (asyncpg reads -infinity as a naive datetime).
AS_JSON = {
    "-infinity": "0001-01-01T00:00:00",
    "infinity": "9999-12-31T23:59:59.999999",
    "0001-01-01 00:00:00+00": "0001-01-01T00:00:00Z",
    "9999-12-31 23:59:59.999999+00": "9999-12-31T23:59:59.999999Z",
}


async def _set(api: Api, sql: str, **params: Any) -> None:
    # Parameters arrive as text: asyncpg would want datetimes, which cannot hold ±infinity.
    sql = re.sub(r":(m|d|iso)\b", r"CAST(:\1 AS text)", sql)
    await (await api.session.connection()).execute(text(sql), params)
    api.session.expire_all()


# A moment without a time zone (how asyncpg reads ±infinity) would break the `date-time` format.
NAIVE_MOMENT = re.compile(r'"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+"')


async def _all_answer(api: Api, *urls: str) -> None:
    for url in urls:
        response = await api.client.get(url, headers=token())
        assert response.status_code == 200, (url, response.text)
        assert not NAIVE_MOMENT.search(response.text), (url, response.text)


class TestStoredExtremesRender:
    @pytest.mark.parametrize("moment", EXTREMES)
    async def test_a_walk_at_the_edge_of_the_calendar(self, api: Api, moment: str) -> None:
        walk = await api.walk()
        await _set(
            api,
            "UPDATE walk SET starts_at = CAST(:m AS timestamptz), "
            "pre_meeting_date = CAST(:d AS date), closing_meeting_date = CAST(:d AS date) "
            "WHERE id = :id",
            m=moment,
            d=moment.split(" ")[0],
            id=walk["id"],
        )
        await _all_answer(
            api,
            f"/public/walks/{walk['id']}.html",
            f"/public/walks/{walk['id']}",
            f"/walks/{walk['id']}",
            "/walks",
        )
        # A change is checked against the walk as a whole: its stored dates must be set right.
        title = await api.client.patch(f"/walks/{walk['id']}", json={"title": "x"}, headers=token())
        assert set(pointers(title)) == {f"/{f}" for f in DATED_WALK_FIELDS}
        repaired = await api.client.patch(
            f"/walks/{walk['id']}",
            json={"starts_at": "2027-10-14T18:30:00+02:00"} | dict.fromkeys(DATED_WALK_FIELDS[1:]),
            headers=token(),
        )
        assert repaired.status_code == 200, repaired.text

    @pytest.mark.parametrize("moment", EXTREMES)
    async def test_a_protocol_at_the_edge_of_the_calendar(self, api: Api, moment: str) -> None:
        walk = await api.published_walk()
        await _set(
            api,
            "UPDATE walk SET conducted_at = CAST(:m AS timestamptz), "
            "protocol_published_at = CAST(:m AS timestamptz) WHERE id = :id",
            m=moment,
            id=walk["id"],
        )
        await _set(
            api,
            "UPDATE protocol SET published_at = CAST(:m AS timestamptz), "
            "document = jsonb_set(jsonb_set(document, '{conducted_at}', to_jsonb(:iso)), "
            "'{published_at}', to_jsonb(:iso)) WHERE walk_id = :id",
            m=moment,
            iso=AS_JSON[moment],
            id=walk["id"],
        )
        await _all_answer(
            api,
            f"/public/walks/{walk['id']}/protocol.html",
            f"/public/walks/{walk['id']}/protocol",
            f"/public/walks/{walk['id']}.html",
            f"/walks/{walk['id']}/protocol",
            f"/walks/{walk['id']}",
        )

    @pytest.mark.parametrize("moment", EXTREMES)
    async def test_a_plan_at_the_edge_of_the_calendar(self, api: Api, moment: str) -> None:
        plan = await api.published_plan()
        await _set(
            api,
            "UPDATE action_plan SET published_at = CAST(:m AS timestamptz), "
            "revised_at = CAST(:m AS timestamptz), created_at = CAST(:m AS timestamptz) "
            "WHERE id = :id",
            m=moment,
            id=plan["id"],
        )
        await _set(
            api,
            "UPDATE measure SET due_date = CAST(:d AS date), "
            "status_changed_at = CAST(:m AS timestamptz) WHERE plan_id = :id",
            m=moment,
            d=moment.split(" ")[0],
            id=plan["id"],
        )
        await _all_answer(
            api,
            f"/public/action-plans/{plan['id']}.html",
            f"/public/action-plans/{plan['id']}",
            f"/action-plans/{plan['id']}",
            "/action-plans",
            "/measures?overdue=true",
        )
