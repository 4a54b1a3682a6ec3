"""Categories and designated reporters are each municipality's own: another municipality's
token neither reads nor changes them, and bad input changes nothing."""

from typing import Any

import pytest
from tips_testkit import HOME, OTHER, Api, token

pytestmark = pytest.mark.service

CATEGORY = {"name_sv": "Nedskräpning", "name_en": "Litter"}
REPORTER = {
    "subject": "vakt-2",
    "organisation_key": "org:556000-1234",
    "organisation_name": "Värnamo Bevakning AB",
    "kind": "security_company",
}
OTHERS = token(municipalities=[OTHER])


async def test_another_municipality_cannot_read_or_set_categories(api: Api) -> None:
    path = f"/municipalities/{HOME}/categories"
    assert (await api.client.get(path, headers=OTHERS)).status_code == 403
    put = await api.client.put(f"{path}/litter", json=CATEGORY, headers=OTHERS)
    assert put.status_code == 403
    defaults = await api.client.post(f"/municipalities/{HOME}/default-categories", headers=OTHERS)
    assert defaults.status_code == 403
    listed = await api.client.get(path, headers=token())
    assert listed.json() == []


async def test_a_category_is_created_then_replaced(api: Api) -> None:
    path = f"/municipalities/{HOME}/categories/litter"
    created = await api.client.put(path, json=CATEGORY, headers=token())
    replaced = await api.client.put(path, json=CATEGORY | {"active": False}, headers=token())
    assert (created.status_code, replaced.status_code) == (201, 200)
    public = await api.client.get(f"/public/{HOME}/categories")
    assert public.json() == []  # retired: residents no longer see it


@pytest.mark.parametrize(
    "body",
    [
        CATEGORY | {"parent_code": "nothing_here"},
        CATEGORY | {"questions": [{"code": "q", "kind": "single", "label_sv": "Fråga"}]},
        CATEGORY | {"divert": "fire_brigade"},
        {"name_en": "No Swedish name"},
    ],
)
async def test_a_bad_category_is_refused_and_changes_nothing(
    api: Api, body: dict[str, Any]
) -> None:
    path = f"/municipalities/{HOME}/categories/litter"
    response = await api.client.put(path, json=body, headers=token())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    listed = await api.client.get(f"/municipalities/{HOME}/categories", headers=token())
    assert listed.json() == []


async def test_another_municipality_cannot_register_list_or_retire_reporters(api: Api) -> None:
    path = f"/municipalities/{HOME}/reporters"
    registered = await api.client.post(path, json=REPORTER, headers=token())
    assert registered.status_code == 201, registered.text
    assert (await api.client.post(path, json=REPORTER, headers=OTHERS)).status_code == 403
    assert (await api.client.get(path, headers=OTHERS)).status_code == 403
    retired = await api.client.delete(f"/reporters/{registered.json()['id']}", headers=OTHERS)
    assert retired.status_code == 404
    [still] = (await api.client.get(path, headers=token())).json()
    assert still["active"] is True
