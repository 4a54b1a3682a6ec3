"""Protocols: generated from a conducted walk, published without personal data, as JSON and HTML."""

import uuid

import pytest

from walks_testkit import OTHER, Api, observation_body, token

pytestmark = pytest.mark.service

PERSONAL = ["Anna Andersson", "anna@example.se", "+46 70 111 22 33", "tester"]


async def walk_with_people(api: Api) -> dict[str, object]:
    walk = await api.walk()
    await api.post(
        f"/walks/{walk['id']}/participants",
        {
            "role": "resident",
            "name": "Anna Andersson",
            "contact": {"consent": True, "email": "anna@example.se", "phone": "+46 70 111 22 33"},
        },
        201,
    )
    await api.post(f"/walks/{walk['id']}/participants", {"role": "police"}, 201)
    await api.post(
        f"/walks/{walk['id']}/observations",
        observation_body(description="Mörk tunnel <script>alert(1)</script>"),
        201,
    )
    await api.post(f"/walks/{walk['id']}/conduct", {"conducted_at": "2026-10-14T19:00:00Z"})
    return walk


class TestProtocolPreview:
    async def test_the_preview_names_participants_for_officials(self, api: Api) -> None:
        walk = await walk_with_people(api)
        response = await api.client.get(f"/walks/{walk['id']}/protocol", headers=token())
        protocol = response.json()
        assert protocol["status"] == "conducted"
        assert protocol["published_at"] is None
        assert protocol["participants"][0]["name"] == "Anna Andersson"
        assert "anna@example.se" not in response.text

    async def test_no_protocol_before_the_walk(self, api: Api) -> None:
        walk = await api.walk()
        response = await api.client.get(f"/walks/{walk['id']}/protocol", headers=token())
        assert response.status_code == 409


class TestPublishProtocol:
    async def test_publishes_without_personal_data_and_emits_the_event(self, api: Api) -> None:
        walk = await walk_with_people(api)
        published = await api.post(
            f"/walks/{walk['id']}/protocol/publish",
            {
                "summary": "Tunneln behöver ljus.",
                "closing_meeting_notes": "Gatuavdelningen åtar sig.",
            },
        )

        assert published["participants_by_role"] == {"resident": 1, "police": 1}
        assert published["summary"] == "Tunneln behöver ljus."
        walk_now = (await api.client.get(f"/walks/{walk['id']}", headers=token())).json()
        assert walk_now["status"] == "protocol_published"
        [event] = await api.events(walk["id"], "protocol.published.v1")
        data = event.payload["data"]
        assert data["summary"] == "Tunneln behöver ljus."
        assert data["observations"][0]["category_label"] == "Belysning"
        assert data["public_url"].endswith(f"/public/walks/{walk['id']}/protocol.html")
        for text in PERSONAL:
            assert text not in str(event.payload)
            assert text not in str(published)

    async def test_public_json_and_swedish_page_hold_no_personal_data(self, api: Api) -> None:
        walk = await walk_with_people(api)
        await api.post(f"/walks/{walk['id']}/protocol/publish", {"summary": "Sammanfattat."})

        as_json = await api.client.get(f"/public/walks/{walk['id']}/protocol")
        page = await api.client.get(f"/public/walks/{walk['id']}/protocol.html")

        assert as_json.status_code == page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="sv">' in page.text
        assert "Otrygg plats" in page.text
        assert "boende: 1, polis: 1" in page.text
        assert "<script>" not in page.text  # escaped
        assert "14 oktober 2026 kl. 21:00" in page.text
        for text in PERSONAL:
            assert text not in as_json.text
            assert text not in page.text

    async def test_the_published_protocol_does_not_change_afterwards(self, api: Api) -> None:
        walk = await walk_with_people(api)
        before = await api.post(f"/walks/{walk['id']}/protocol/publish", {"summary": "Klart."})
        await api.client.put(
            "/municipalities/0683/observation-categories/lighting",
            json={"label": "Ny etikett"},
            headers=token(),
        )
        after = (await api.client.get(f"/public/walks/{walk['id']}/protocol")).json()
        assert after == before

    async def test_twice_is_a_conflict(self, api: Api) -> None:
        walk = await api.published_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/protocol/publish", json={"summary": "Igen"}, headers=token()
        )
        assert response.status_code == 409
        assert len(await api.events(walk["id"], "protocol.published.v1")) == 1

    async def test_a_planned_walk_has_nothing_to_publish(self, api: Api) -> None:
        walk = await api.walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/protocol/publish", json={"summary": "x"}, headers=token()
        )
        assert response.status_code == 409

    async def test_publishing_needs_the_publish_scope(self, api: Api) -> None:
        walk = await api.conducted_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/protocol/publish",
            json={"summary": "x"},
            headers=token(["walks:read", "walks:write"]),
        )
        assert response.status_code == 403

    async def test_another_municipalitys_walk_does_not_exist(self, api: Api) -> None:
        walk = await api.conducted_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/protocol/publish",
            json={"summary": "x"},
            headers=token(municipalities=[OTHER]),
        )
        assert response.status_code == 404


class TestPublicWalk:
    async def test_a_walk_is_public_as_an_invitation(self, api: Api) -> None:
        walk = await api.walk()
        await api.post(
            f"/walks/{walk['id']}/participants", {"role": "resident", "name": "Eva"}, 201
        )
        as_json = await api.client.get(f"/public/walks/{walk['id']}")
        page = await api.client.get(f"/public/walks/{walk['id']}.html")
        assert as_json.json()["meeting_point"]["name"] == "Skolans entré"
        assert as_json.json()["protocol_url"] is None
        assert "efter mörkrets inbrott" in page.text
        assert "Eva" not in as_json.text + page.text
        assert "tester" not in as_json.text

    async def test_an_unpublished_protocol_is_not_public(self, api: Api) -> None:
        walk = await api.conducted_walk()
        for path in ("protocol", "protocol.html"):
            response = await api.client.get(f"/public/walks/{walk['id']}/{path}")
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/problem+json"

    async def test_unknown_walk_is_not_found(self, api: Api) -> None:
        response = await api.client.get(f"/public/walks/{uuid.uuid4()}.html")
        assert response.status_code == 404
