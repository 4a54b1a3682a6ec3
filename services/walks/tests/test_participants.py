"""Participants: a roster by role, contact details only with consent, erasure on request."""

import uuid

import pytest

from walks_testkit import OTHER, Api, pointers, token

pytestmark = pytest.mark.service

CONSENTING = {
    "role": "property_owner",
    "name": "Bo Berg",
    "organisation": "Bergs Fastigheter AB",
    "contact": {"consent": True, "email": "bo@example.se", "phone": "+46 70 123 45 67"},
}


class TestAddParticipant:
    async def test_records_consent_with_the_contact_details(self, api: Api) -> None:
        walk = await api.walk()
        participant = await api.post(f"/walks/{walk['id']}/participants", CONSENTING, 201)
        assert participant["contact"]["email"] == "bo@example.se"
        assert participant["contact"]["consent_recorded_at"] is not None

    async def test_contact_details_without_consent_are_refused(self, api: Api) -> None:
        walk = await api.walk()
        for contact, pointer in [
            ({"consent": False, "email": "a@example.se"}, "/contact/consent"),
            ({"email": "a@example.se"}, "/contact/consent"),
            ({"consent": True}, "/contact"),
        ]:
            body = {"role": "resident", "contact": contact}
            response = await api.client.post(
                f"/walks/{walk['id']}/participants", json=body, headers=token()
            )
            assert pointers(response) == [pointer]

    async def test_contact_details_go_in_the_contact(self, api: Api) -> None:
        walk = await api.walk()
        body = {"role": "resident", "email": "a@example.se"}
        response = await api.client.post(
            f"/walks/{walk['id']}/participants", json=body, headers=token()
        )
        assert pointers(response) == ["/email"]

    async def test_unknown_role_is_refused(self, api: Api) -> None:
        walk = await api.walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/participants", json={"role": "journalist"}, headers=token()
        )
        assert pointers(response) == ["/role"]

    async def test_roster_is_final_once_the_protocol_is_published(self, api: Api) -> None:
        walk = await api.published_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/participants", json={"role": "youth"}, headers=token()
        )
        assert response.status_code == 409

    async def test_another_municipalitys_walk_does_not_exist(self, api: Api) -> None:
        walk = await api.walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/participants",
            json={"role": "youth"},
            headers=token(municipalities=[OTHER]),
        )
        assert response.status_code == 404


class TestParticipantPrivacy:
    async def test_lists_the_roster(self, api: Api) -> None:
        walk = await api.walk()
        await api.post(f"/walks/{walk['id']}/participants", CONSENTING, 201)
        await api.post(f"/walks/{walk['id']}/participants", {"role": "police"}, 201)
        response = await api.client.get(f"/walks/{walk['id']}/participants", headers=token())
        assert [p["role"] for p in response.json()["items"]] == ["property_owner", "police"]

    async def test_withdrawn_consent_erases_the_contact_details(self, api: Api) -> None:
        walk = await api.walk()
        participant = await api.post(f"/walks/{walk['id']}/participants", CONSENTING, 201)
        url = f"/walks/{walk['id']}/participants/{participant['id']}"
        response = await api.client.delete(f"{url}/contact", headers=token())
        assert response.status_code == 204
        [stored] = (
            await api.client.get(f"/walks/{walk['id']}/participants", headers=token())
        ).json()["items"]
        assert stored["contact"] is None
        assert stored["name"] == "Bo Berg"

    async def test_a_participant_can_be_erased_even_after_publication(self, api: Api) -> None:
        walk = await api.walk()
        participant = await api.post(f"/walks/{walk['id']}/participants", CONSENTING, 201)
        await api.post(f"/walks/{walk['id']}/conduct", {"conducted_at": "2026-10-14T20:00:00Z"})
        await api.post(f"/walks/{walk['id']}/protocol/publish", {"summary": "Klart."})
        url = f"/walks/{walk['id']}/participants/{participant['id']}"
        assert (await api.client.delete(url, headers=token())).status_code == 204
        response = await api.client.get(f"/walks/{walk['id']}/participants", headers=token())
        assert response.json()["items"] == []

    async def test_unknown_participant_is_not_found(self, api: Api) -> None:
        walk = await api.walk()
        url = f"/walks/{walk['id']}/participants/{uuid.uuid4()}"
        response = await api.client.delete(url, headers=token())
        assert response.status_code == 404
        assert response.json()["title"] == "Participant not found"

    async def test_a_participant_of_another_walk_is_not_found(self, api: Api) -> None:
        walk, other_walk = await api.walk(), await api.walk()
        participant = await api.post(f"/walks/{walk['id']}/participants", CONSENTING, 201)
        url = f"/walks/{other_walk['id']}/participants/{participant['id']}/contact"
        assert (await api.client.delete(url, headers=token())).status_code == 404
