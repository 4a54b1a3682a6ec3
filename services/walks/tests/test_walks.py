"""Walks: scheduling, changing, conducting and following up, and every refusal on the way."""

import itertools
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from walks_testkit import (
    HOME,
    OTHER,
    Api,
    bowtie,
    observation_body,
    parameters,
    pointers,
    square,
    token,
    unique_locality,
    walk_body,
    world,
)

pytestmark = pytest.mark.service


class TestScheduleWalk:
    async def test_schedules_and_emits_walk_scheduled_with_the_invitation(self, api: Api) -> None:
        walk = await api.walk()

        assert walk["status"] == "planned"
        assert walk["area"]["type"] == "Polygon"
        assert (
            walk["public_url"] == f"https://trygg.example.se/walks/public/walks/{walk['id']}.html"
        )
        [event] = await api.events(walk["id"])
        assert event.type == "se.trygg.walks.walk.scheduled.v1"
        assert event.aggregatetype == "walk"
        data = event.payload["data"]
        assert data["locality"] == "Forsheda"
        assert data["meeting_point"]["name"] == "Skolans entré"
        assert data["light_condition"] == "after_dark"
        assert data["area"]["type"] == "Polygon"
        assert data["public_url"] == walk["public_url"]
        assert event.payload["subject"] == walk["id"]

    async def test_output_rings_are_counterclockwise_whatever_the_input(self, api: Api) -> None:
        clockwise = square()
        clockwise["coordinates"][0].reverse()
        walk = await api.walk(area=clockwise)

        ring = walk["area"]["coordinates"][0]
        signed_area = sum((x2 - x1) * (y2 + y1) for (x1, y1), (x2, y2) in itertools.pairwise(ring))
        assert signed_area < 0  # counterclockwise, RFC 7946 §3.1.6

    async def test_another_municipality_is_forbidden(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/walks", json=walk_body(municipality_code=OTHER), headers=token()
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"

    async def test_without_token_is_unauthenticated(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/walks", json=walk_body())
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    async def test_reading_scope_cannot_schedule(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/walks", json=walk_body(), headers=token(["walks:read"]))
        assert response.status_code == 403
        assert "walks:write" in response.json()["detail"]

    async def test_self_intersecting_area_names_the_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/walks", json=walk_body(area=bowtie()), headers=token())
        assert pointers(response) == ["/area"]
        assert "Self-intersection" in response.json()["errors"][0]["detail"]

    async def test_an_area_larger_than_a_municipality_is_refused(
        self, api: Api, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/walks", json=walk_body(area=world()), headers=token())
        assert pointers(response) == ["/area"]
        assert "a municipality's size" in response.json()["errors"][0]["detail"]
        walk = await api.walk()
        for area in (world(), bowtie()):
            changed = await client.patch(
                f"/walks/{walk['id']}", json={"area": area}, headers=token()
            )
            assert pointers(changed) == ["/area"]

    async def test_open_ring_is_refused(self, client: httpx.AsyncClient) -> None:
        area = square()
        area["coordinates"][0][-1] = [13.9, 57.2]
        response = await client.post("/walks", json=walk_body(area=area), headers=token())
        assert pointers(response) == ["/area"]

    async def test_coordinates_outside_wgs84_name_the_position(
        self, client: httpx.AsyncClient
    ) -> None:
        route = {"type": "LineString", "coordinates": [[13.8, 57.1], [13.8, 97.1]]}
        response = await client.post("/walks", json=walk_body(route=route), headers=token())
        assert pointers(response) == ["/route/coordinates/1/1"]

    async def test_unknown_fields_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/walks", json=walk_body(weather="rain"), headers=token())
        assert pointers(response) == ["/weather"]

    async def test_dates_are_iso_text_not_numbers(self, client: httpx.AsyncClient) -> None:
        body = walk_body(pre_meeting_date=0, starts_at=1700000000)
        response = await client.post("/walks", json=body, headers=token())
        assert sorted(pointers(response)) == ["/pre_meeting_date", "/starts_at"]
        response = await client.get("/walks", params={"date_to": "0"}, headers=token())
        assert parameters(response) == [{"in": "query", "name": "date_to"}]

    async def test_closing_meeting_before_the_walk_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = walk_body(closing_meeting_date="2026-10-01")
        response = await client.post("/walks", json=body, headers=token())
        assert pointers(response) == ["/closing_meeting_date"]


class TestReadWalks:
    async def test_gets_a_walk(self, api: Api, client: httpx.AsyncClient) -> None:
        walk = await api.walk()
        response = await client.get(f"/walks/{walk['id']}", headers=token(["walks:read"]))
        assert response.status_code == 200
        assert response.json() == walk

    async def test_another_municipalitys_walk_does_not_exist(
        self, api: Api, client: httpx.AsyncClient
    ) -> None:
        walk = await api.walk()
        for method, path in [
            ("GET", ""),
            ("PATCH", ""),
            ("POST", "/conduct"),
            ("GET", "/participants"),
            ("GET", "/protocol"),
            ("GET", "/observations"),
        ]:
            body = {} if method != "GET" else None
            response = await client.request(
                method,
                f"/walks/{walk['id']}{path}",
                json=body,
                headers=token(municipalities=[OTHER]),
            )
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["title"] == "Walk not found"

    async def test_unknown_walk_is_not_found(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/walks/{uuid.uuid4()}", headers=token())
        assert response.status_code == 404

    async def test_lists_filter_by_locality_status_dates_and_box(self, api: Api) -> None:
        here, elsewhere = unique_locality(), unique_locality()
        october = await api.walk(locality=here)
        november = await api.walk(
            locality=here, starts_at="2026-11-20T17:00:00+01:00", closing_meeting_date=None
        )
        await api.walk(locality=elsewhere)
        await api.post(f"/walks/{november['id']}/conduct", {"conducted_at": "2026-11-20T18:00:00Z"})

        async def ids(**params: str) -> list[str]:
            response = await api.client.get(
                "/walks", params={"locality": here, **params}, headers=token()
            )
            assert response.status_code == 200, response.text
            return [w["id"] for w in response.json()["items"]]

        assert await ids() == [november["id"], october["id"]]
        assert await ids(status="conducted") == [november["id"]]
        assert await ids(date_from="2026-11-01") == [november["id"]]
        assert await ids(date_to="2026-10-31") == [october["id"]]
        assert await ids(bbox="13.80,57.15,13.85,57.18") == [november["id"], october["id"]]
        assert await ids(bbox="14.00,57.15,14.05,57.18") == []
        assert await ids(municipality=HOME) == [november["id"], october["id"]]

    async def test_lists_are_paginated_with_a_hard_cap(self, api: Api) -> None:
        here = unique_locality()
        for _ in range(3):
            await api.walk(locality=here)
        response = await api.client.get(
            "/walks", params={"locality": here, "limit": 2}, headers=token()
        )
        page = response.json()
        assert (len(page["items"]), page["total"], page["next_offset"]) == (2, 3, 2)
        response = await api.client.get("/walks", params={"limit": 201}, headers=token())
        assert parameters(response) == [{"in": "query", "name": "limit"}]

    async def test_list_of_another_municipality_is_forbidden(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/walks", params={"municipality": OTHER}, headers=token())
        assert response.status_code == 403

    async def test_list_never_shows_another_municipalitys_walks(self, api: Api) -> None:
        here = unique_locality()
        await api.walk(locality=here)
        response = await api.client.get(
            "/walks", params={"locality": here}, headers=token(municipalities=[OTHER])
        )
        assert response.json()["items"] == []

    async def test_malformed_box_names_the_parameter(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/walks", params={"bbox": "14,57,13,58"}, headers=token())
        assert parameters(response) == [{"in": "query", "name": "bbox"}]


class TestChangeWalk:
    async def test_reschedules_a_planned_walk(self, api: Api, client: httpx.AsyncClient) -> None:
        walk = await api.walk()
        response = await client.patch(
            f"/walks/{walk['id']}", json={"starts_at": "2026-10-15T18:30:00+02:00"}, headers=token()
        )
        assert response.status_code == 200, response.text
        assert response.json()["starts_at"] == "2026-10-15T16:30:00Z"
        _, rescheduled = await api.events(walk["id"])
        assert rescheduled.type == "se.trygg.walks.walk.rescheduled.v1"
        assert rescheduled.payload["data"]["starts_at"] == "2026-10-15T16:30:00Z"

    async def test_a_change_that_changes_nothing_tells_no_one(self, api: Api) -> None:
        walk = await api.walk()
        await api.client.patch(
            f"/walks/{walk['id']}", json={"title": walk["title"]}, headers=token()
        )
        assert len(await api.events(walk["id"])) == 1

    async def test_change_must_keep_the_meetings_around_the_walk(
        self, api: Api, client: httpx.AsyncClient
    ) -> None:
        walk = await api.walk()
        response = await client.patch(
            f"/walks/{walk['id']}", json={"starts_at": "2026-11-30T18:00:00+01:00"}, headers=token()
        )
        assert pointers(response) == ["/closing_meeting_date"]
        assert len(await api.events(walk["id"])) == 1

    async def test_required_fields_cannot_be_nulled(
        self, api: Api, client: httpx.AsyncClient
    ) -> None:
        walk = await api.walk()
        response = await client.patch(f"/walks/{walk['id']}", json={"area": None}, headers=token())
        assert pointers(response) == ["/area"]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("title", ""), ("area", 5), ("light_condition", "dusk"), ("stops", 1)],
    )
    async def test_a_bad_value_is_named_by_its_field_alone(
        self, api: Api, client: httpx.AsyncClient, field: str, value: object
    ) -> None:
        walk = await api.walk()
        response = await client.patch(f"/walks/{walk['id']}", json={field: value}, headers=token())
        assert pointers(response) == [f"/{field}"]

    async def test_a_conducted_walk_cannot_change(
        self, api: Api, client: httpx.AsyncClient
    ) -> None:
        walk = await api.conducted_walk()
        response = await client.patch(f"/walks/{walk['id']}", json={"title": "x"}, headers=token())
        assert response.status_code == 409


class TestConductWalk:
    async def test_emits_what_the_walk_found_without_free_text(self, api: Api) -> None:
        walk = await api.walk()
        await api.post(
            f"/walks/{walk['id']}/participants", {"role": "resident", "name": "Anna"}, 201
        )
        await api.post(f"/walks/{walk['id']}/participants", {"role": "police"}, 201)
        observation = await api.post(
            f"/walks/{walk['id']}/observations", observation_body(description="Hemligt"), 201
        )
        conducted = await api.post(f"/walks/{walk['id']}/conduct", {})

        assert conducted["status"] == "conducted"
        event = (await api.events(walk["id"], "walk.conducted.v1"))[0]
        data = event.payload["data"]
        assert data["participants_by_role"] == {"resident": 1, "police": 1}
        assert [o["observation_id"] for o in data["observations"]] == [observation["id"]]
        assert data["observations"][0]["location"] == observation["geometry"]
        assert "Hemligt" not in str(event.payload)
        assert "Anna" not in str(event.payload)

    async def test_twice_is_a_conflict_and_emits_nothing_more(self, api: Api) -> None:
        walk = await api.conducted_walk()
        before = len(await api.events(walk["id"]))
        response = await api.client.post(f"/walks/{walk['id']}/conduct", json={}, headers=token())
        assert response.status_code == 409
        assert response.json()["title"] == "Not allowed in the walk's status"
        assert len(await api.events(walk["id"])) == before

    async def test_not_in_the_future(self, api: Api) -> None:
        walk = await api.walk()
        body = {"conducted_at": "2099-01-01T00:00:00Z"}
        response = await api.client.post(f"/walks/{walk['id']}/conduct", json=body, headers=token())
        assert pointers(response) == ["/conducted_at"]


class TestFollowUp:
    async def test_follow_up_of_a_published_walk_marks_it_followed_up_when_done(
        self, api: Api
    ) -> None:
        first = await api.published_walk()
        body = walk_body(starts_at="2026-11-01T18:00:00+01:00", closing_meeting_date=None)
        del body["municipality_code"]
        follow_up = await api.post(f"/walks/{first['id']}/follow-ups", body, 201)
        assert follow_up["follows_up_walk_id"] == first["id"]
        assert follow_up["municipality_code"] == HOME
        [scheduled] = await api.events(follow_up["id"])
        assert scheduled.payload["data"]["follows_up_walk_id"] == first["id"]

        await api.post(
            f"/walks/{follow_up['id']}/conduct", {"conducted_at": "2026-11-01T18:00:00Z"}
        )
        response = await api.client.get(f"/walks/{first['id']}", headers=token())
        assert response.json()["status"] == "followed_up"

    async def test_follow_up_needs_a_published_protocol(self, api: Api) -> None:
        first = await api.conducted_walk()
        body = walk_body()
        del body["municipality_code"]
        response = await api.client.post(
            f"/walks/{first['id']}/follow-ups", json=body, headers=token()
        )
        assert response.status_code == 409


class TestTransactions:
    """With real commits, as in production: a change and its event commit, or neither does."""

    async def test_the_walk_and_its_event_commit_together(
        self, committing_client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        body = walk_body(locality=unique_locality())
        walk = (await committing_client.post("/walks", json=body, headers=token())).json()
        assert await _committed(engine, walk["id"]) == [
            ("planned", "se.trygg.walks.walk.scheduled.v1")
        ]

    async def test_a_refused_change_commits_nothing(
        self, committing_client: httpx.AsyncClient, engine: AsyncEngine
    ) -> None:
        body = walk_body(locality=unique_locality())
        walk = (await committing_client.post("/walks", json=body, headers=token())).json()
        refused = await committing_client.patch(
            f"/walks/{walk['id']}", json={"starts_at": "2026-11-30T18:00:00+01:00"}, headers=token()
        )
        assert refused.status_code == 422
        assert await _committed(engine, walk["id"]) == [
            ("planned", "se.trygg.walks.walk.scheduled.v1")
        ]


async def _committed(engine: AsyncEngine, walk_id: str) -> list[tuple[str, str]]:
    """The walk's status beside each event committed for it, read outside the request."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT w.status, o.type FROM walk w JOIN outbox o ON o.aggregateid = w.id::text "
                "WHERE w.id = :id ORDER BY o.seq"
            ),
            {"id": walk_id},
        )
        return [(r.status, r.type) for r in rows]
