"""Measures: their statuses, the reasons for rejection, their events, and the overdue list."""

import uuid
from typing import Any

import pytest

from walks_testkit import OTHER, Api, measure_body, pointers, token

pytestmark = pytest.mark.service


async def move(api: Api, plan: dict[str, Any], status: str, **body: Any) -> Any:
    measure_id = plan["measures"][0]["id"]
    return await api.client.post(
        f"/action-plans/{plan['id']}/measures/{measure_id}/status",
        json={"status": status, **body},
        headers=token(),
    )


class TestMeasureStatus:
    async def test_proposed_accepted_in_progress_done(self, api: Api) -> None:
        plan = await api.published_plan()
        for status in ("accepted", "in_progress", "done"):
            response = await move(api, plan, status)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == status

        changes = await api.events(plan["id"], "measure.status_changed.v1")
        assert [e.payload["data"]["measure"]["status"] for e in changes] == [
            "accepted",
            "in_progress",
            "done",
        ]
        last = changes[-1].payload["data"]
        assert last["previous_status"] == "in_progress"
        assert last["affected_area"]["type"] == "MultiPolygon"
        assert changes[-1].aggregateid == plan["id"]  # ordered with the plan's own events

    async def test_a_rejection_needs_a_reason(self, api: Api) -> None:
        plan = await api.published_plan()
        assert pointers(await move(api, plan, "rejected")) == ["/reason"]
        response = await move(api, plan, "rejected", reason="Trafikverket äger marken.")
        assert response.json()["status_reason"] == "Trafikverket äger marken."
        [event] = await api.events(plan["id"], "measure.status_changed.v1")
        assert event.payload["data"]["measure"]["status_reason"] == "Trafikverket äger marken."

    async def test_a_transition_not_allowed_is_a_conflict(self, api: Api) -> None:
        plan = await api.published_plan()
        assert (await move(api, plan, "done")).status_code == 409
        await move(api, plan, "rejected", reason="Nej.")
        response = await move(api, plan, "accepted")
        assert response.status_code == 409
        assert response.json()["title"] == "Measure status change not allowed"
        assert len(await api.events(plan["id"], "measure.status_changed.v1")) == 1

    async def test_a_draft_plans_measures_change_silently(self, api: Api) -> None:
        plan = await api.plan()
        assert (await move(api, plan, "accepted")).status_code == 200
        assert await api.events(plan["id"]) == []

    async def test_a_withdrawn_plans_measures_are_frozen(self, api: Api) -> None:
        plan = await api.published_plan()
        await api.post(f"/action-plans/{plan['id']}/withdraw", {"reason": "Ersatt."})
        assert (await move(api, plan, "accepted")).status_code == 409

    async def test_a_measure_of_another_plan_is_not_found(self, api: Api) -> None:
        plan, other = await api.plan(), await api.plan()
        url = f"/action-plans/{other['id']}/measures/{plan['measures'][0]['id']}/status"
        response = await api.client.post(url, json={"status": "accepted"}, headers=token())
        assert response.status_code == 404
        assert response.json()["title"] == "Measure not found"

    async def test_another_municipalitys_plan_does_not_exist(self, api: Api) -> None:
        plan = await api.plan()
        url = f"/action-plans/{plan['id']}/measures/{plan['measures'][0]['id']}/status"
        response = await api.client.post(
            url, json={"status": "accepted"}, headers=token(municipalities=[OTHER])
        )
        assert response.status_code == 404


class TestChangeMeasure:
    async def test_postpones_and_reassigns(self, api: Api) -> None:
        plan = await api.plan()
        url = f"/action-plans/{plan['id']}/measures/{plan['measures'][0]['id']}"
        body = {
            "due_date": "2028-03-01",
            "responsible": {"name": "Finnvedsbostäder AB", "org_number": "556016-0680"},
        }
        response = await api.client.patch(url, json=body, headers=token())
        assert response.status_code == 200, response.text
        assert response.json()["due_date"] == "2028-03-01"
        assert response.json()["responsible"]["key"] == "org:556016-0680"

    async def test_unknown_measure_is_not_found(self, api: Api) -> None:
        plan = await api.plan()
        url = f"/action-plans/{plan['id']}/measures/{uuid.uuid4()}"
        response = await api.client.patch(url, json={"title": "x"}, headers=token())
        assert response.status_code == 404


class TestOverdueMeasures:
    async def test_lists_open_measures_past_their_deadline(self, api: Api) -> None:
        late = measure_body(title="Sen", due_date="2026-01-31")
        done = measure_body(title="Klar", due_date="2026-01-31")
        future = measure_body(title="I tid", due_date="2099-01-31")
        plan = await api.published_plan(measures=[late, done, future])
        finished = next(m for m in plan["measures"] if m["title"] == "Klar")
        url = f"/action-plans/{plan['id']}/measures/{finished['id']}/status"
        for status in ("accepted", "done"):
            await api.post(url, {"status": status})

        response = await api.client.get(
            "/measures", params={"overdue": "true", "plan_id": plan["id"]}, headers=token()
        )

        assert [m["title"] for m in response.json()["items"]] == ["Sen"]
        assert response.json()["items"][0]["overdue"] is True

    async def test_filters_by_responsible_organisation(self, api: Api) -> None:
        owner = {"name": "Bergs Fastigheter AB", "org_number": "556016-0680"}
        plan = await api.plan(measures=[measure_body(), measure_body(responsible=owner)])
        response = await api.client.get(
            "/measures",
            params={"responsible": "org:556016-0680", "plan_id": plan["id"]},
            headers=token(),
        )
        assert [m["responsible"]["name"] for m in response.json()["items"]] == [owner["name"]]
