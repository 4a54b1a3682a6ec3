"""Action plans: drafted from a walk or standalone, published, revised, withdrawn; their events."""

import uuid

import pytest

from walks_testkit import (
    HOME,
    OTHER,
    Api,
    bowtie,
    measure_body,
    observation_body,
    plan_body,
    pointers,
    square,
    token,
    unique_locality,
    world,
)

pytestmark = pytest.mark.service

# What a plan's own page shows and a list leaves out.
DETAIL_ONLY = {"affected_area", "revision_note", "measures", "progress"}


class TestDraftPlan:
    async def test_drafts_a_standalone_plan_with_measures(self, api: Api) -> None:
        plan = await api.plan()
        assert plan["status"] == "draft"
        assert plan["revision"] == 0
        assert plan["walk_id"] is None
        assert plan["affected_area"]["type"] == "MultiPolygon"
        assert plan["public_url"] is None
        [measure] = plan["measures"]
        assert measure["responsible"] == {
            "name": "Värnamo kommun, gatuavdelningen",
            "org_number": None,
            "department_code": "GATA",
            "key": f"dept:{HOME}:GATA",
            "municipality_code": HOME,
        }
        assert plan["progress"]["proposed"] == 1
        assert await api.events(plan["id"]) == []  # a draft tells no one

    async def test_a_measure_may_name_any_organisation_by_its_number(self, api: Api) -> None:
        owner = {"name": "Bergs Fastigheter AB", "org_number": "5560160680"}
        plan = await api.plan(measures=[measure_body(responsible=owner)])
        assert plan["measures"][0]["responsible"]["key"] == "org:556016-0680"

    async def test_a_wrong_organisation_number_names_the_field(self, api: Api) -> None:
        owner = {"name": "Fel AB", "org_number": "556016-0681"}
        response = await api.client.post(
            "/action-plans",
            json=plan_body(measures=[measure_body(responsible=owner)]),
            headers=token(),
        )
        assert pointers(response) == ["/measures/0/responsible/org_number"]

    async def test_a_self_intersecting_area_names_the_field(self, api: Api) -> None:
        for area in (bowtie(), {"type": "MultiPolygon", "coordinates": [bowtie()["coordinates"]]}):
            response = await api.client.post(
                "/action-plans", json=plan_body(affected_area=area), headers=token()
            )
            assert pointers(response) == ["/affected_area"]

    async def test_overlapping_polygons_are_refused(self, api: Api) -> None:
        area = {
            "type": "MultiPolygon",
            "coordinates": [square()["coordinates"], square(size=0.004)["coordinates"]],
        }
        response = await api.client.post(
            "/action-plans", json=plan_body(affected_area=area), headers=token()
        )
        assert pointers(response) == ["/affected_area"]

    async def test_an_area_larger_than_a_municipality_is_refused(self, api: Api) -> None:
        response = await api.client.post(
            "/action-plans", json=plan_body(affected_area=world(), buffer_m=5000), headers=token()
        )
        assert pointers(response) == ["/affected_area"]
        plan = await api.plan()
        for area in (world(), bowtie()):
            changed = await api.client.patch(
                f"/action-plans/{plan['id']}", json={"affected_area": area}, headers=token()
            )
            assert pointers(changed) == ["/affected_area"]

    async def test_the_buffer_is_bounded(self, api: Api) -> None:
        response = await api.client.post(
            "/action-plans", json=plan_body(buffer_m=50_000), headers=token()
        )
        assert pointers(response) == ["/buffer_m"]

    async def test_another_municipality_is_forbidden(self, api: Api) -> None:
        response = await api.client.post(
            "/action-plans", json=plan_body(municipality_code=OTHER), headers=token()
        )
        assert response.status_code == 403

    async def test_measures_answer_observations_of_the_municipality_only(self, api: Api) -> None:
        walk = await api.walk()
        mine = await api.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        ids = [mine["id"], str(uuid.uuid4())]
        response = await api.client.post(
            "/action-plans",
            json=plan_body(measures=[measure_body(observation_ids=ids)]),
            headers=token(),
        )
        assert pointers(response) == ["/measures/0/observation_ids/1"]

    async def test_the_answer_is_the_plan_as_stored(self, api: Api) -> None:
        walk = await api.walk()
        observation = await api.post(f"/walks/{walk['id']}/observations", observation_body(), 201)
        plan = await api.plan(
            measures=[
                measure_body(observation_ids=[observation["id"], observation["id"]]),
                measure_body(title="Röj buskarna", category=None, due_date=None),
            ]
        )
        stored = await api.client.get(f"/action-plans/{plan['id']}", headers=token())
        assert stored.json() == plan
        assert [m["observation_ids"] for m in plan["measures"]] == [[observation["id"]], []]

    async def test_the_first_wrong_reference_in_the_measures_order_is_named(self, api: Api) -> None:
        measures = [
            measure_body(),
            measure_body(observation_ids=[str(uuid.uuid4())]),
            measure_body(category="no_such_category"),
        ]
        response = await api.client.post(
            "/action-plans", json=plan_body(measures=measures), headers=token()
        )
        assert pointers(response) == ["/measures/1/observation_ids/0"]


class TestPlanFromWalk:
    async def test_takes_the_walks_municipality_locality_and_area(self, api: Api) -> None:
        walk = await api.conducted_walk()
        observation_id = (
            await api.client.get(f"/walks/{walk['id']}/observations", headers=token())
        ).json()["features"][0]["id"]
        body = plan_body(measures=[measure_body(observation_ids=[observation_id])])
        for key in ("municipality_code", "affected_area", "locality"):
            del body[key]

        plan = await api.post(f"/walks/{walk['id']}/action-plans", body, 201)

        assert plan["walk_id"] == walk["id"]
        assert (plan["municipality_code"], plan["locality"]) == (HOME, walk["locality"])
        assert plan["affected_area"]["coordinates"] == [walk["area"]["coordinates"]]
        assert plan["measures"][0]["observation_ids"] == [observation_id]

    async def test_a_planned_walk_has_no_plan_yet(self, api: Api) -> None:
        walk = await api.walk()
        body = {"title": "x", "public_summary": "y"}
        response = await api.client.post(
            f"/walks/{walk['id']}/action-plans", json=body, headers=token()
        )
        assert response.status_code == 409

    async def test_another_municipalitys_walk_does_not_exist(self, api: Api) -> None:
        walk = await api.conducted_walk()
        response = await api.client.post(
            f"/walks/{walk['id']}/action-plans",
            json={"title": "x", "public_summary": "y"},
            headers=token(municipalities=[OTHER]),
        )
        assert response.status_code == 404


class TestPublishPlan:
    async def test_emits_the_plans_state_for_those_affected(self, api: Api) -> None:
        plan = await api.plan()
        published = await api.post(f"/action-plans/{plan['id']}/publish", None)

        assert (published["status"], published["revision"]) == ("published", 1)
        [event] = await api.events(plan["id"])
        assert event.type == "se.trygg.walks.action_plan.published.v1"
        assert event.aggregatetype == "action_plan"
        data = event.payload["data"]
        assert data["affected_area"] == published["affected_area"]
        assert data["buffer_m"] == 200
        assert data["measures"][0]["responsible"]["key"] == f"dept:{HOME}:GATA"
        assert data["measures"][0]["due_date"] == "2027-12-20"
        assert data["public_url"] == published["public_url"]
        assert "tester" not in str(event.payload)  # not even the official's token subject

    async def test_a_plan_without_measures_is_not_published(self, api: Api) -> None:
        plan = await api.plan(measures=[])
        response = await api.client.post(f"/action-plans/{plan['id']}/publish", headers=token())
        assert response.status_code == 409
        assert await api.events(plan["id"]) == []

    async def test_twice_is_a_conflict(self, api: Api) -> None:
        plan = await api.published_plan()
        response = await api.client.post(f"/action-plans/{plan['id']}/publish", headers=token())
        assert response.status_code == 409
        assert len(await api.events(plan["id"])) == 1

    async def test_publishing_needs_the_publish_scope(self, api: Api) -> None:
        plan = await api.plan()
        response = await api.client.post(
            f"/action-plans/{plan['id']}/publish", headers=token(["walks:read", "walks:write"])
        )
        assert response.status_code == 403

    async def test_another_municipalitys_plan_does_not_exist(self, api: Api) -> None:
        plan = await api.plan()
        for method, path in [("GET", ""), ("PATCH", ""), ("POST", "/publish"), ("DELETE", "")]:
            response = await api.client.request(
                method,
                f"/action-plans/{plan['id']}{path}",
                json={} if method == "PATCH" else None,
                headers=token(municipalities=[OTHER]),
            )
            assert response.status_code == 404, (method, path)


class TestReviseAndWithdraw:
    async def test_a_revision_carries_the_new_state_and_its_number(self, api: Api) -> None:
        plan = await api.published_plan()
        await api.client.patch(
            f"/action-plans/{plan['id']}", json={"buffer_m": 400}, headers=token()
        )
        await api.post(
            f"/action-plans/{plan['id']}/measures", measure_body(title="Röj buskar"), 201
        )
        revised = await api.post(
            f"/action-plans/{plan['id']}/revise", {"revision_note": "Ny åtgärd."}
        )

        assert revised["revision"] == 2
        event = (await api.events(plan["id"]))[-1]
        assert event.type == "se.trygg.walks.action_plan.revised.v1"
        data = event.payload["data"]
        assert (data["revision"], data["buffer_m"], data["revision_note"]) == (2, 400, "Ny åtgärd.")
        assert [m["title"] for m in data["measures"]][-1] == "Röj buskar"

    async def _refused_revision(self, api: Api, plan_id: str) -> None:
        before = await api.client.get(f"/action-plans/{plan_id}", headers=token())
        events = len(await api.events(plan_id))
        response = await api.client.post(
            f"/action-plans/{plan_id}/revise", json={"revision_note": "x"}, headers=token()
        )
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == (
            "Nothing in the action plan has changed since it was last published"
        )
        assert len(await api.events(plan_id)) == events
        after = await api.client.get(f"/action-plans/{plan_id}", headers=token())
        assert after.json() == before.json()

    async def test_a_revision_that_changes_nothing_is_refused(self, api: Api) -> None:
        plan = await api.published_plan()
        await self._refused_revision(api, plan["id"])

    async def test_a_second_revision_without_news_is_refused(self, api: Api) -> None:
        plan = await api.published_plan()
        await api.client.patch(
            f"/action-plans/{plan['id']}", json={"buffer_m": 400}, headers=token()
        )
        await api.post(f"/action-plans/{plan['id']}/revise", {"revision_note": "Större område."})
        await self._refused_revision(api, plan["id"])

    async def test_a_change_undone_is_no_news(self, api: Api) -> None:
        plan = await api.published_plan()
        for title in ("Annan rubrik", plan["title"]):
            await api.client.patch(
                f"/action-plans/{plan['id']}", json={"title": title}, headers=token()
            )
        await self._refused_revision(api, plan["id"])

    async def test_a_measure_moved_on_is_news(self, api: Api) -> None:
        plan = await api.published_plan()
        measure = plan["measures"][0]["id"]
        await api.post(
            f"/action-plans/{plan['id']}/measures/{measure}/status", {"status": "accepted"}
        )
        revised = await api.post(f"/action-plans/{plan['id']}/revise", {"revision_note": "Beslut."})
        assert revised["revision"] == 2

    async def test_a_draft_is_not_revised(self, api: Api) -> None:
        plan = await api.plan()
        response = await api.client.post(
            f"/action-plans/{plan['id']}/revise", json={"revision_note": "x"}, headers=token()
        )
        assert response.status_code == 409

    async def test_withdrawal_tells_why_and_freezes_the_plan(self, api: Api) -> None:
        plan = await api.published_plan()
        withdrawn = await api.post(f"/action-plans/{plan['id']}/withdraw", {"reason": "Ersatt."})

        assert withdrawn["status"] == "withdrawn"
        event = (await api.events(plan["id"]))[-1]
        assert event.type == "se.trygg.walks.action_plan.withdrawn.v1"
        assert event.payload["data"]["reason"] == "Ersatt."
        response = await api.client.patch(
            f"/action-plans/{plan['id']}", json={"title": "x"}, headers=token()
        )
        assert response.status_code == 409
        response = await api.client.post(
            f"/action-plans/{plan['id']}/withdraw", json={"reason": "igen"}, headers=token()
        )
        assert response.status_code == 409

    async def test_only_a_draft_is_deleted(self, api: Api) -> None:
        draft, published = await api.plan(), await api.published_plan()
        assert (
            await api.client.delete(f"/action-plans/{draft['id']}", headers=token())
        ).status_code == 204
        assert (
            await api.client.get(f"/action-plans/{draft['id']}", headers=token())
        ).status_code == 404
        response = await api.client.delete(f"/action-plans/{published['id']}", headers=token())
        assert response.status_code == 409


class TestPlanLists:
    async def test_filters_and_areas_as_geojson(self, api: Api) -> None:
        here = unique_locality()
        draft = await api.plan(locality=here)
        published = await api.published_plan(locality=here, affected_area=square(14.05, 57.19))

        async def ids(path: str = "/action-plans", **params: str) -> list[str]:
            response = await api.client.get(
                path, params={"locality": here, **params}, headers=token()
            )
            assert response.status_code == 200, response.text
            body = response.json()
            return [item["id"] for item in body.get("items", body.get("features", []))]

        assert await ids() == [published["id"], draft["id"]]
        assert await ids(status="draft") == [draft["id"]]
        assert await ids(bbox="14.04,57.18,14.06,57.20") == [published["id"]]
        assert await ids("/action-plan-areas") == [published["id"], draft["id"]]
        areas = (
            await api.client.get("/action-plan-areas", params={"locality": here}, headers=token())
        ).json()
        assert areas["type"] == "FeatureCollection"
        assert areas["features"][0]["geometry"]["type"] == "MultiPolygon"

    async def test_an_item_is_the_plan_without_its_area_and_measures(self, api: Api) -> None:
        here = unique_locality()
        draft = await api.plan(locality=here)
        published = await api.published_plan(locality=here)
        response = await api.client.get(
            "/action-plans", params={"locality": here, "limit": 1}, headers=token()
        )
        assert response.headers["content-type"] == "application/json"
        page = response.json()
        assert (page["total"], page["limit"], page["offset"], page["next_offset"]) == (2, 1, 0, 1)
        [item] = page["items"]
        detail = {k: v for k, v in published.items() if k not in DETAIL_ONLY}
        assert item == detail
        assert published["id"] in item["public_url"]
        second = await api.client.get(
            "/action-plans", params={"locality": here, "offset": 1}, headers=token()
        )
        assert second.json()["items"] == [{k: v for k, v in draft.items() if k not in DETAIL_ONLY}]

    async def test_a_page_past_the_end_still_counts_the_plans(self, api: Api) -> None:
        here = unique_locality()
        await api.plan(locality=here)
        response = await api.client.get(
            "/action-plans", params={"locality": here, "offset": 5}, headers=token()
        )
        assert response.json() == {
            "items": [],
            "total": 1,
            "limit": 50,
            "offset": 5,
            "next_offset": None,
        }

    async def test_another_municipalitys_plans_are_not_listed(self, api: Api) -> None:
        here = unique_locality()
        await api.plan(locality=here)
        response = await api.client.get(
            "/action-plans", params={"locality": here}, headers=token(municipalities=[OTHER])
        )
        assert response.json()["total"] == 0
        response = await api.client.get(
            "/action-plans",
            params={"municipality": HOME},
            headers=token(municipalities=[OTHER]),
        )
        assert response.status_code == 403


class TestPublicPlan:
    async def test_a_published_plan_is_public_without_personal_data(self, api: Api) -> None:
        walk = await api.published_walk()
        body = plan_body()
        for key in ("municipality_code", "affected_area", "locality"):
            del body[key]
        plan = await api.post(f"/walks/{walk['id']}/action-plans", body, 201)
        await api.post(f"/action-plans/{plan['id']}/publish", None)

        as_json = await api.client.get(f"/public/action-plans/{plan['id']}")
        page = await api.client.get(f"/public/action-plans/{plan['id']}.html")

        assert as_json.json()["measures"][0]["responsible"] == "Värnamo kommun, gatuavdelningen"
        assert as_json.json()["protocol_url"].endswith(f"/public/walks/{walk['id']}/protocol.html")
        assert "Klar senast" in page.text
        assert "20 december 2027" in page.text
        assert "tester" not in as_json.text + page.text

    async def test_a_draft_is_not_public(self, api: Api) -> None:
        plan = await api.plan()
        for path in ("", ".html"):
            response = await api.client.get(f"/public/action-plans/{plan['id']}{path}")
            assert response.status_code == 404
