"""Idempotency-Key on creates: a retry replays the first answer and creates nothing twice."""

import uuid

import httpx
import pytest
from sqlalchemy import text

from shared import idempotency
from shared.idempotency import REPLAY_HEADER
from walks_testkit import (
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
        assert response.json()["errors"][0]["pointer"] == "#header/Idempotency-Key"

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
