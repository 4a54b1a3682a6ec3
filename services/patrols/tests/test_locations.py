"""Creates answer 201 with a Location that reads what was made."""

import pytest
from patrols_testkit import HOME, Api, point, token

pytestmark = pytest.mark.service


async def test_an_incident_is_read_at_its_location(api: Api) -> None:
    body = {
        "external_id": "RAR-location-1",
        "source": "police",
        "category": "vandalism",
        "occurred_at": "2026-11-28T21:30:00+01:00",
        "location": point(),
    }
    response = await api.client.post(
        f"/municipalities/{HOME}/incidents", json=body, headers=token()
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/incidents/{response.json()['id']}"
    read = await api.client.get(response.headers["location"], headers=token())
    assert (read.status_code, read.json()["id"]) == (200, response.json()["id"])
