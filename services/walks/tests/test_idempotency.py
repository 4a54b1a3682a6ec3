"""Idempotency-Key on creates: a retry replays the first answer and creates nothing twice."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared import idempotency
from shared.idempotency import REPLAY_HEADER
from walks_testkit import (
    HOME,
    OTHER,
    Api,
    measure_body,
    observation_body,
    plan_body,
    token,
    unique_locality,
    walk_body,
)

pytestmark = pytest.mark.service


def keyed(key: str, subject: str = "tester") -> dict[str, str]:
    return {**token(subject=subject), "Idempotency-Key": key}


async def walks_in(api: Api, locality: str) -> int:
    response = await api.client.get("/walks", params={"locality": locality}, headers=token())
    return int(response.json()["total"])


class TestIdempotencyKey:
    async def test_a_retry_replays_the_first_response(self, api: Api) -> None:
        body = walk_body(locality=unique_locality())
        first = await api.client.post("/walks", json=body, headers=keyed("k-1"))
        retry = await api.client.post("/walks", json=body, headers=keyed("k-1"))

        assert (first.status_code, retry.status_code) == (201, 201)
        assert retry.json() == first.json()
        assert retry.headers[REPLAY_HEADER] == "true"
        assert REPLAY_HEADER not in first.headers
        assert await walks_in(api, body["locality"]) == 1
        assert len(await api.events(first.json()["id"])) == 1

    async def test_the_same_key_with_another_body_is_refused(self, api: Api) -> None:
        await api.client.post("/walks", json=walk_body(), headers=keyed("k-2"))
        response = await api.client.post(
            "/walks", json=walk_body(title="Annan"), headers=keyed("k-2")
        )
        assert response.status_code == 422
        assert response.json()["title"] == "Idempotency key reused with another request"
        assert response.json()["errors"][0]["parameter"] == {
            "in": "header",
            "name": "Idempotency-Key",
        }

    async def test_keys_belong_to_their_caller_and_path(self, api: Api) -> None:
        body = walk_body(locality=unique_locality())
        await api.client.post("/walks", json=body, headers=keyed("k-3"))
        await api.client.post("/walks", json=body, headers=keyed("k-3", subject="someone-else"))
        assert await walks_in(api, body["locality"]) == 2

    async def test_without_a_key_each_request_creates(self, api: Api) -> None:
        body = walk_body(locality=unique_locality())
        for _ in range(2):
            assert (await api.client.post("/walks", json=body, headers=token())).status_code == 201
        assert await walks_in(api, body["locality"]) == 2

    async def test_a_refused_request_leaves_its_key_free(
        self, committing_client: httpx.AsyncClient
    ) -> None:
        # Real transactions: the refusal rolls back the key's claim with everything else.
        key = f"k-{uuid.uuid4()}"
        refused = walk_body(municipality_code="0662")
        response = await committing_client.post("/walks", json=refused, headers=keyed(key))
        assert response.status_code == 403
        response = await committing_client.post("/walks", json=walk_body(), headers=keyed(key))
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/action-plans", plan_body()),
            ("/walks/{walk}/observations", observation_body()),
            ("/walks/{walk}/participants", {"role": "school"}),
            ("/action-plans/{plan}/measures", measure_body()),
        ],
    )
    async def test_every_create_honours_the_key(
        self, api: Api, path: str, body: dict[str, object]
    ) -> None:
        walk, plan = await api.walk(), await api.plan()
        url = path.format(walk=walk["id"], plan=plan["id"])
        first = await api.client.post(url, json=body, headers=keyed("k-5"))
        retry = await api.client.post(url, json=body, headers=keyed("k-5"))
        assert first.status_code == 201, first.text
        assert (retry.status_code, retry.json()) == (201, first.json())
        assert retry.headers[REPLAY_HEADER] == "true"


class TestPurge:
    async def test_expired_keys_are_purged_and_live_ones_kept(self, api: Api) -> None:
        conn = await api.session.connection()
        await conn.execute(
            text(
                "INSERT INTO idempotency_key (subject, route, key, request_hash, created_at) "
                "VALUES ('s', 'POST /walks', 'old', 'h', now() - interval '2 days'), "
                "('s', 'POST /walks', 'new', 'h', now())"
            )
        )
        assert await idempotency.purge(api.session) >= 1
        left = await conn.execute(text("SELECT key FROM idempotency_key WHERE subject = 's'"))
        assert [row.key for row in left] == ["new"]


CONTACT = {
    "role": "resident",
    "contact": {"consent": True, "email": "anna@example.se", "phone": "+46 70 123 45 67"},
}
KEYED_CREATES = [
    ("/walks", walk_body()),
    ("/walks/{walk}/participants", CONTACT),
    ("/walks/{walk}/observations", observation_body()),
    (
        "/walks/{walk}/observations/batch",
        {"observations": [observation_body(id=str(uuid.uuid4()))]},
    ),
    ("/action-plans", plan_body()),
    ("/action-plans/{plan}/measures", measure_body()),
]


def in_municipalities(key: str, *municipalities: str) -> dict[str, str]:
    """The same caller (subject) as `keyed`, with a token for other municipalities."""
    return {**token(municipalities=list(municipalities)), "Idempotency-Key": key}


async def participants_of(api: Api, walk_id: str) -> int:
    response = await api.client.get(f"/walks/{walk_id}/participants", headers=token())
    return int(response.json()["total"])


async def stored(api: Api, key: str) -> Any:
    conn = await api.session.connection()
    statement = text("SELECT * FROM idempotency_key WHERE key = :key")
    return (await conn.execute(statement, {"key": key})).one()


def leaks_nothing(response: httpx.Response, created: dict[str, Any]) -> None:
    assert response.headers["content-type"] == "application/problem+json"
    assert REPLAY_HEADER not in response.headers
    for secret in (created["id"], "anna@example.se", "+46 70 123 45 67"):
        assert secret not in response.text


class TestAReplayIsARead:
    @pytest.mark.parametrize(("path", "body"), KEYED_CREATES)
    async def test_a_token_without_the_municipality_gets_nothing(
        self, api: Api, path: str, body: dict[str, Any]
    ) -> None:
        walk, plan = await api.walk(), await api.plan()
        url = path.format(walk=walk["id"], plan=plan["id"])
        key = f"k-{uuid.uuid4()}"
        first = await api.client.post(url, json=body, headers=keyed(key))
        assert first.status_code in (200, 201), first.text
        answer = first.json()
        created = {"id": answer["id"] if "id" in answer else answer["created"][0]}
        before = await stored(api, key)

        replay = await api.client.post(url, json=body, headers=in_municipalities(key, OTHER))

        assert replay.status_code == 403, replay.text
        leaks_nothing(replay, created)
        assert await stored(api, key) == before
        again = await api.client.post(url, json=body, headers=keyed(key))
        assert (again.status_code, again.json()) == (first.status_code, first.json())

    async def test_a_refused_replay_tells_nothing_of_the_body_either(self, api: Api) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        first = await api.client.post(url, json=CONTACT, headers=keyed("k-body"))
        other_body = {**CONTACT, "role": "police"}
        replay = await api.client.post(
            url, json=other_body, headers=in_municipalities("k-body", OTHER)
        )
        assert replay.status_code == 403
        leaks_nothing(replay, first.json())
        assert await participants_of(api, walk["id"]) == 1

    async def test_the_replay_goes_to_tokens_covering_the_municipality_only(self, api: Api) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        first = await api.client.post(url, json=CONTACT, headers=keyed("k-wide"))
        narrow = await api.client.post(
            url, json=CONTACT, headers=in_municipalities("k-wide", OTHER)
        )
        assert narrow.status_code == 403
        replay = await api.client.post(
            url, json=CONTACT, headers=in_municipalities("k-wide", OTHER, HOME)
        )
        assert (replay.status_code, replay.json()) == (201, first.json())
        assert replay.headers[REPLAY_HEADER] == "true"
        assert replay.json()["contact"]["email"] == "anna@example.se"

    async def test_a_response_stored_without_its_municipality_is_replayed_to_no_one(
        self, api: Api
    ) -> None:
        conn = await api.session.connection()
        await conn.execute(
            text(
                "INSERT INTO idempotency_key (subject, route, key, request_hash, response_status, "
                "response_body) VALUES ('tester', 'POST /walks', 'k-legacy', 'h', 201, '{}')"
            )
        )
        response = await api.client.post("/walks", json=walk_body(), headers=keyed("k-legacy"))
        assert response.status_code == 403


class TestAReplayDoesNotOutliveAnErasure:
    async def test_a_replay_after_the_contact_is_withdrawn_returns_no_contact(
        self, api: Api
    ) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        first = await api.client.post(url, json=CONTACT, headers=keyed("k-withdrawn"))
        assert first.json()["contact"]["email"] == "anna@example.se"
        withdrawn = await api.client.delete(f"{url}/{first.json()['id']}/contact", headers=token())
        assert withdrawn.status_code == 204

        replay = await api.client.post(url, json=CONTACT, headers=keyed("k-withdrawn"))

        assert replay.status_code == 409, replay.text
        assert replay.json()["title"] == "The response stored for this idempotency key was erased"
        leaks_nothing(replay, first.json())
        assert await participants_of(api, walk["id"]) == 1  # not created again
        assert (await stored(api, "k-withdrawn")).response_body is None

    async def test_a_replay_after_the_participant_is_removed_creates_nothing(
        self, api: Api
    ) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        first = await api.client.post(url, json=CONTACT, headers=keyed("k-removed"))
        await api.client.delete(f"{url}/{first.json()['id']}", headers=token())

        replay = await api.client.post(url, json=CONTACT, headers=keyed("k-removed"))

        assert replay.status_code == 409
        leaks_nothing(replay, first.json())
        assert await participants_of(api, walk["id"]) == 0


class TestForget:
    async def test_a_stored_response_records_its_municipality_and_what_it_holds(
        self, api: Api
    ) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        participant = (await api.client.post(url, json=CONTACT, headers=keyed("k-scope"))).json()
        row = await stored(api, "k-scope")
        assert row.municipality_code == HOME
        assert set(row.resource_ids) == {participant["id"], walk["id"]}

    async def test_forgets_every_response_holding_an_id_and_no_other(self, api: Api) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants"
        anna = (await api.client.post(url, json=CONTACT, headers=keyed("k-anna"))).json()
        await api.client.post(url, json={"role": "police"}, headers=keyed("k-police"))

        assert await idempotency.forget(api.session, [uuid.UUID(anna["id"])]) == 1
        assert (await stored(api, "k-anna")).erased_at is not None
        assert (await stored(api, "k-police")).response_body is not None
        assert await idempotency.forget(api.session, [anna["id"]]) == 0
        assert await idempotency.forget(api.session, []) == 0
        # Both hold the walk.
        assert await idempotency.forget(api.session, [walk["id"]]) == 1
