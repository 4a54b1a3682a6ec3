"""Observations: one at a time, or uploaded from the field and retried; GeoJSON out; taxonomy."""

import uuid
from typing import Any

import pytest

from walks_testkit import (
    HOME,
    OTHER,
    Api,
    observation_body,
    point,
    pointers,
    token,
    unique_locality,
)

pytestmark = pytest.mark.service


def batch(*ids: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {"observations": [observation_body(id=str(i), **overrides) for i in ids]}


class TestRecordObservation:
    async def test_records_an_observation_as_a_feature(self, api: Api) -> None:
        walk = await api.walk()
        feature = await api.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        assert feature["type"] == "Feature"
        assert feature["geometry"] == point(13.826, 57.1625)
        properties = feature["properties"]
        assert properties["category_label"] == "Belysning"
        assert properties["perspectives"] == ["women", "elderly"]
        assert properties["photos"] == [
            {"url": "https://bilder.example.se/tunnel.jpg", "caption": None}
        ]

    async def test_records_safe_places_too(self, api: Api) -> None:
        walk = await api.walk()
        body = observation_body(sentiment="positive", severity=None, category="people_activity")
        feature = await api.post(f"/walks/{walk['id']}/observations", body, 201)
        assert feature["properties"]["sentiment"] == "positive"

    async def test_coordinates_are_numbers_not_text_or_booleans(self, api: Api) -> None:
        walk = await api.walk()
        for location in (
            {"type": "Point", "coordinates": ["13.8", 57.1]},
            {"type": "Point", "coordinates": [True, 57.1]},
        ):
            body = observation_body(location=location)
            response = await api.client.post(
                f"/walks/{walk['id']}/observations", json=body, headers=token()
            )
            assert pointers(response) == ["/location/coordinates/0"]

    async def test_unknown_category_names_the_field(self, api: Api) -> None:
        walk = await api.walk()
        body = observation_body(category="ufo_sightings")
        response = await api.client.post(
            f"/walks/{walk['id']}/observations", json=body, headers=token()
        )
        assert pointers(response) == ["/category"]

    async def test_point_outside_wgs84_names_the_coordinate(self, api: Api) -> None:
        walk = await api.walk()
        body = observation_body(location=point(200.0, 57.0))
        response = await api.client.post(
            f"/walks/{walk['id']}/observations", json=body, headers=token()
        )
        assert pointers(response) == ["/location/coordinates/0"]

    async def test_nothing_is_recorded_after_the_walk_is_conducted(self, api: Api) -> None:
        walk = await api.conducted_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/observations", json=observation_body(), headers=token()
        )
        assert response.status_code == 409

    async def test_a_used_client_id_is_a_conflict(self, api: Api) -> None:
        walk = await api.walk()
        body = observation_body(id=str(uuid.uuid4()))
        await api.post(f"/walks/{walk['id']}/observations", body, 201)
        response = await api.client.post(
            f"/walks/{walk['id']}/observations", json=body, headers=token()
        )
        assert response.status_code == 409


class TestUploadFromTheField:
    async def test_a_retried_upload_creates_nothing_twice(self, api: Api) -> None:
        walk = await api.walk()
        first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        url = f"/walks/{walk['id']}/observations/batch"

        done = await api.post(url, batch(first, second))
        retried = await api.post(url, batch(first, second, third))

        assert sorted(done["created"]) == sorted([str(first), str(second)])
        assert retried == {"created": [str(third)], "already_stored": [str(first), str(second)]}
        collection = (
            await api.client.get(f"/walks/{walk['id']}/observations", headers=token())
        ).json()
        assert collection["total"] == 3

    async def test_a_retry_after_the_walk_was_conducted_still_succeeds(self, api: Api) -> None:
        walk = await api.walk()
        ids = (uuid.uuid4(), uuid.uuid4())
        url = f"/walks/{walk['id']}/observations/batch"
        await api.post(url, batch(*ids))
        await api.post(f"/walks/{walk['id']}/conduct", {})
        assert (await api.post(url, batch(*ids)))["created"] == []

    async def test_an_id_of_another_walks_observation_is_a_conflict(self, api: Api) -> None:
        walk, other = await api.walk(), await api.walk()
        taken = uuid.uuid4()
        await api.post(f"/walks/{walk['id']}/observations/batch", batch(taken))
        response = await api.client.post(
            f"/walks/{other['id']}/observations/batch",
            json=batch(uuid.uuid4(), taken),
            headers=token(),
        )
        assert response.status_code == 409
        assert str(taken) in response.json()["detail"]
        listed = await api.client.get(f"/walks/{other['id']}/observations", headers=token())
        assert listed.json()["total"] == 0  # nothing of the refused batch stayed

    async def test_invalid_item_is_named_by_its_index(self, api: Api) -> None:
        walk = await api.walk()
        body = batch(uuid.uuid4(), uuid.uuid4())
        body["observations"][1]["category"] = "no_such_category"
        response = await api.client.post(
            f"/walks/{walk['id']}/observations/batch", json=body, headers=token()
        )
        assert pointers(response) == ["/observations/1/category"]

    async def test_the_same_id_twice_in_a_batch_is_refused(self, api: Api) -> None:
        walk = await api.walk()
        same = uuid.uuid4()
        response = await api.client.post(
            f"/walks/{walk['id']}/observations/batch", json=batch(same, same), headers=token()
        )
        assert pointers(response) == ["/observations"]


class TestObservationsAsGeoJSON:
    async def test_filters_by_category_sentiment_and_box(self, api: Api) -> None:
        here = unique_locality()
        walk = await api.walk(locality=here)
        url = f"/walks/{walk['id']}/observations"
        dark = await api.post(url, observation_body(location=point(13.826, 57.1625)), 201)
        await api.post(
            url,
            observation_body(
                location=point(13.829, 57.164),
                sentiment="positive",
                severity=None,
                category="people_activity",
            ),
            201,
        )

        async def ids(**params: str) -> list[str]:
            response = await api.client.get(
                "/observations", params={"locality": here, **params}, headers=token()
            )
            assert response.json()["type"] == "FeatureCollection"
            return [f["id"] for f in response.json()["features"]]

        assert len(await ids()) == 2
        assert await ids(category="lighting") == [dark["id"]]
        assert await ids(sentiment="negative") == [dark["id"]]
        assert await ids(bbox="13.825,57.162,13.827,57.163") == [dark["id"]]
        assert await ids(walk_id=walk["id"], municipality=HOME) == await ids()

    async def test_gets_one(self, api: Api) -> None:
        walk = await api.walk()
        feature = await api.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        response = await api.client.get(f"/observations/{feature['id']}", headers=token())
        assert response.json() == feature

    async def test_another_municipalitys_observation_does_not_exist(self, api: Api) -> None:
        walk = await api.walk()
        feature = await api.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        response = await api.client.get(
            f"/observations/{feature['id']}", headers=token(municipalities=[OTHER])
        )
        assert response.status_code == 404


class TestTaxonomy:
    async def test_default_taxonomy(self, api: Api) -> None:
        response = await api.client.get(
            f"/municipalities/{HOME}/observation-categories", headers=token()
        )
        codes = [c["code"] for c in response.json()]
        assert codes[:3] == ["lighting", "vegetation_sight_lines", "orientation"]
        assert {c["source"] for c in response.json()} == {"default"}

    async def test_a_municipality_relabels_retires_and_adds(self, api: Api) -> None:
        base = f"/municipalities/{HOME}/observation-categories"
        for code, body in [
            ("lighting", {"label": "Belysning och ljus"}),
            ("traffic", {"label": "Trafik", "active": False}),
            ("snow_clearing", {"label": "Snöröjning"}),
        ]:
            response = await api.client.put(f"{base}/{code}", json=body, headers=token())
            assert response.status_code == 200, response.text
        taxonomy = {c["code"]: c for c in (await api.client.get(base, headers=token())).json()}
        assert taxonomy["lighting"]["label"] == "Belysning och ljus"
        assert taxonomy["traffic"]["active"] is False
        walk = await api.walk()
        url = f"/walks/{walk['id']}/observations"
        await api.post(url, observation_body(category="snow_clearing"), 201)
        response = await api.client.post(
            url, json=observation_body(category="traffic"), headers=token()
        )
        assert pointers(response) == ["/category"]

    async def test_configuring_needs_the_admin_scope(self, api: Api) -> None:
        response = await api.client.put(
            f"/municipalities/{HOME}/observation-categories/lighting",
            json={"label": "Ljus"},
            headers=token(["walks:read", "walks:write"]),
        )
        assert response.status_code == 403

    async def test_another_municipalitys_taxonomy_is_forbidden(self, api: Api) -> None:
        response = await api.client.get(
            f"/municipalities/{OTHER}/observation-categories", headers=token()
        )
        assert response.status_code == 403
