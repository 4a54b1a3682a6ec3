"""The staff routes of the directory: stakeholders and webhooks, and who may use them."""

import uuid

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import CapSettings
from notify.messaging import handlers
from notify_testkit import (
    HOME,
    OTHER,
    consumed,
    published,
    square,
    stakeholder_body,
    tables_holding,
    token,
    world,
)

pytestmark = pytest.mark.service
HOOK = {
    "municipality_code": HOME,
    "url": "https://93.184.215.14/trygg/events",
    "event_types": ["se.trygg.walks.action_plan.published.v1"],
}


async def _stakeholder(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    response = await client.post(
        "/stakeholders", json=stakeholder_body(**overrides), headers=token()
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


class TestStakeholders:
    async def test_registered_with_area_and_contacts_then_read_listed_changed_removed(
        self, client: httpx.AsyncClient
    ) -> None:
        created = await _stakeholder(client, area=square(), categories=["lighting"])
        assert created["key"] == "dept:0683:GATA"
        assert created["area"]["type"] == "MultiPolygon"  # type: ignore[index]
        [contact] = created["contacts"]  # type: ignore[misc]
        assert contact["topics"] == [
            "walk_invitations",
            "action_plans",
            "measures_done",
            "patrol_feedback",
            "promise",
        ]
        url = f"/stakeholders/{created['id']}"
        assert (await client.get(url, headers=token())).json() == created
        listed = await client.get("/stakeholders", params={"category": "lighting"}, headers=token())
        assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
        changed = await client.patch(url, json={"area": None, "name": "Gata"}, headers=token())
        assert (changed.json()["area"], changed.json()["name"]) == (None, "Gata")
        added = await client.post(
            f"{url}/contacts",
            json={"name": "Jour", "phone": "0703333333", "channel": "sms"},
            headers=token(),
        )
        assert added.json()["phone"] == "+46703333333"
        removed = await client.delete(f"{url}/contacts/{added.json()['id']}", headers=token())
        assert removed.status_code == 204
        assert (await client.delete(url, headers=token())).status_code == 204
        assert (await client.get(url, headers=token())).status_code == 404

    async def test_an_organisation_number_with_a_wrong_check_digit_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = stakeholder_body(key="org:556036-0794")
        response = await client.post("/stakeholders", json=body, headers=token())
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/key"

    async def test_an_area_larger_than_a_municipality_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = stakeholder_body(area=world())
        response = await client.post("/stakeholders", json=body, headers=token())
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/area"
        created = await _stakeholder(client)
        url = f"/stakeholders/{created['id']}"
        changed = await client.patch(url, json={"area": world()}, headers=token())
        assert changed.status_code == 422, changed.text
        assert changed.json()["errors"][0]["pointer"] == "/area"

    async def test_a_department_of_another_municipality_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/stakeholders", json=stakeholder_body(key="dept:0662:GATA"), headers=token()
        )
        assert response.status_code == 422

    async def test_a_contact_without_the_address_its_channel_needs_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        body = stakeholder_body(contacts=[{"name": "X", "email": "x@example.se", "channel": "sms"}])
        response = await client.post("/stakeholders", json=body, headers=token())
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/contacts/0/phone"

    async def test_a_contact_address_with_no_internet_domain_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        contact = {"name": "X", "email": f"x@{'x' * 70}.se", "channel": "email"}
        response = await client.post(
            "/stakeholders", json=stakeholder_body(contacts=[contact]), headers=token()
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/contacts/0/email"
        created = await _stakeholder(client)
        added = await client.post(
            f"/stakeholders/{created['id']}/contacts", json=contact, headers=token()
        )
        assert added.status_code == 422, added.text
        assert added.json()["errors"][0]["pointer"] == "/email"

    async def test_the_same_key_twice_in_a_municipality_conflicts(
        self, client: httpx.AsyncClient
    ) -> None:
        await _stakeholder(client)
        response = await client.post("/stakeholders", json=stakeholder_body(), headers=token())
        assert response.status_code == 409

    async def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(
        self, client: httpx.AsyncClient
    ) -> None:
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        first = await client.post("/stakeholders", json=stakeholder_body(), headers=headers)
        again = await client.post("/stakeholders", json=stakeholder_body(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotency-Replay"] == "true"
        assert again.json() == first.json()


class TestRemoval:
    @pytest.mark.parametrize("removed", ["organisation", "contact"])
    async def test_removing_leaves_no_address_or_name_in_any_table(
        self, client: httpx.AsyncClient, session: AsyncSession, removed: str
    ) -> None:
        """The contact was told about a plan (a delivery log row with the address) and was
        registered with an Idempotency-Key (a stored response with name and address)."""
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        contact = {"name": "Greta Gatuchef", "email": "greta.g@varnamo.example.se"}
        body = stakeholder_body(contacts=[{**contact, "channel": "email"}])
        created = await client.post("/stakeholders", json=body, headers=headers)
        assert created.status_code == 201, created.text
        event = published()
        meta = consumed(event)
        config = handlers.HandlerConfig(5, 0, CapSettings())
        await handlers.on_action_plan_published(event, session, meta=meta, config=config)
        conn = await session.connection()
        assert "notification.address" in await tables_holding(conn, "greta.g")
        url = f"/stakeholders/{created.json()['id']}"
        if removed == "contact":
            url += f"/contacts/{created.json()['contacts'][0]['id']}"
        assert (await client.delete(url, headers=token())).status_code == 204
        assert await tables_holding(conn, "greta.g", "Greta Gatuchef") == []


class TestAccess:
    async def test_another_municipalitys_stakeholder_does_not_exist_for_the_caller(
        self, client: httpx.AsyncClient
    ) -> None:
        created = await _stakeholder(client)
        response = await client.get(
            f"/stakeholders/{created['id']}", headers=token(municipalities=[OTHER])
        )
        assert response.status_code == 404
        listed = await client.get("/stakeholders", headers=token(municipalities=[OTHER]))
        assert listed.json()["items"] == []

    async def test_a_token_without_the_scope_is_forbidden(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/stakeholders", json=stakeholder_body(), headers=token(["notify:read"])
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"

    async def test_writing_into_a_municipality_the_token_does_not_cover_is_forbidden(
        self, client: httpx.AsyncClient
    ) -> None:
        body = stakeholder_body(municipality_code=OTHER, key="dept:0662:GATA")
        response = await client.post("/stakeholders", json=body, headers=token())
        assert response.status_code == 403

    async def test_no_token_no_entry(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/stakeholders")).status_code == 401


class TestWebhooks:
    async def test_registered_with_a_secret_shown_once(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/webhooks", json=HOOK, headers=token())
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["secret"].startswith("whsec_")
        read = (await client.get(f"/webhooks/{created['id']}", headers=token())).json()
        assert "secret" not in read
        listed = (await client.get("/webhooks", headers=token())).json()
        assert [w["id"] for w in listed["items"]] == [created["id"]]
        gone = await client.delete(f"/webhooks/{created['id']}", headers=token())
        assert gone.status_code == 204

    async def test_a_replay_never_hands_back_a_deleted_webhooks_secret(
        self, client: httpx.AsyncClient
    ) -> None:
        headers = {**token(), "Idempotency-Key": str(uuid.uuid4())}
        created = (await client.post("/webhooks", json=HOOK, headers=headers)).json()
        assert (await client.delete(f"/webhooks/{created['id']}", headers=token())).is_success
        replay = await client.post("/webhooks", json=HOOK, headers=headers)
        assert replay.status_code == 409, replay.text
        assert created["secret"] not in replay.text

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8080/hook",
            "http://10.1.2.3/hook",
            "http://10.255.255.254/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://localhost/hook",
            "http://192.168.1.10/hook",
            "http://0.0.0.0/hook",
            "http://localhost./hook",
            "http://192.0.0.192/hook",
            "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
            "http://[::a9fe:a9fe]/latest/meta-data/",
            "http://[2002:a9fe:a9fe::1]/latest/meta-data/",
            "http://[fec0::1]/hook",
        ],
    )
    async def test_private_loopback_and_link_local_targets_are_refused(
        self, client: httpx.AsyncClient, url: str
    ) -> None:
        response = await client.post("/webhooks", json={**HOOK, "url": url}, headers=token())
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/url"
        assert "not a public address" in response.json()["detail"]

    async def test_a_host_name_no_resolver_can_encode_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        url = f"https://{'x' * 70}.se/hook"
        response = await client.post("/webhooks", json={**HOOK, "url": url}, headers=token())
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/url"

    async def test_credentials_in_the_url_and_unknown_event_types_are_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        with_credentials = {**HOOK, "url": "https://user:pw@93.184.215.14/hook"}
        unknown_type = {**HOOK, "event_types": ["se.trygg.tips.tip.received.v1"]}
        for body in (with_credentials, unknown_type):
            response = await client.post("/webhooks", json=body, headers=token())
            assert response.status_code == 422
