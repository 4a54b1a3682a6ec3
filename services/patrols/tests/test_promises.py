"""Drafting, signing and following up a promise; its public pages; manual progress."""

import json
import uuid

import pytest
from patrols_testkit import OTHER, Api, token
from test_promise_progress import commitment, deliver, promise, walk

from patrols.promises import handlers
from shared.contracts.patrols import PromiseFollowedUp, PromiseSigned

pytestmark = pytest.mark.service


async def test_signing_publishes_the_commitments_progress_and_only_once(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    await deliver(handlers.on_walk_conducted, walk(), api)
    await api.post(f"/promises/{made['id']}/sign", None, expect=200)
    [message] = await api.outbox(PromiseSigned.wire_type)
    [progress] = message.payload["data"]["commitments"]  # type: ignore[index]
    assert progress["achieved"] == 1
    await api.post(f"/promises/{made['id']}/sign", None, expect=409)


async def test_a_signed_promises_commitments_cannot_change(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    await api.post(f"/promises/{made['id']}/sign", None, expect=200)
    body = {
        "title": "Ändrat",
        "police_area": "LPO",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "commitments": [commitment("rounds_done")],
    }
    response = await api.client.put(f"/promises/{made['id']}", json=body, headers=token())
    assert response.status_code == 409


async def test_a_follow_up_publishes_each_figure(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    await api.post(f"/promises/{made['id']}/sign", None, expect=200)
    await deliver(handlers.on_walk_conducted, walk(), api)
    follow_up = await api.post(f"/promises/{made['id']}/follow-ups", {"summary": "Bra start."})
    assert follow_up["figures"][0]["achieved"] == 1
    [message] = await api.outbox(PromiseFollowedUp.wire_type)
    assert "Bra start." in json.dumps(message.payload, default=str)


async def test_the_public_page_and_json_exist_only_once_signed(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    for path in (f"/public/promises/{made['id']}", f"/public/promises/{made['id']}.html"):
        assert (await api.client.get(path)).status_code == 404
    await api.post(f"/promises/{made['id']}/sign", None, expect=200)
    await deliver(handlers.on_walk_conducted, walk(), api)
    data = (await api.client.get(f"/public/promises/{made['id']}")).json()
    assert data["commitments"][0]["achieved"] == 1
    assert data["activities"][0]["title"] == "Trygghetsvandring i Forsheda"
    page = await api.client.get(f"/public/promises/{made['id']}.html")
    assert page.status_code == 200
    assert 'name="viewport"' in page.text
    assert "Trygghetsvandring i Forsheda" in page.text


async def test_the_yearly_report_gives_each_quarter_in_html_and_csv(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    await api.post(f"/promises/{made['id']}/sign", None, expect=200)
    await deliver(handlers.on_walk_conducted, walk(), api)  # 10 March: the first quarter
    csv = await api.client.get(f"/public/promises/{made['id']}/report/2027.csv")
    assert csv.status_code == 200
    assert csv.text.splitlines()[1].endswith("walks_held,1,0,0,0,1,4")
    html = await api.client.get(f"/public/promises/{made['id']}/report/2027.html")
    assert "Per kvartal" in html.text


async def test_another_municipalitys_promise_is_not_found(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    stranger = token(municipalities=[OTHER])
    assert (await api.client.get(f"/promises/{made['id']}", headers=stranger)).status_code == 404
    sign = await api.client.post(f"/promises/{made['id']}/sign", headers=stranger)
    assert sign.status_code == 404


async def test_manual_progress_only_for_manual_commitments(api: Api) -> None:
    made = await promise(api, commitment("manual"), commitment("walks_held"))
    manual, counted = (c["id"] for c in made["commitments"])
    body = {"amount": 2, "evidence": "Två föräldravandringar", "evidence_url": "https://ex.se/a"}
    recorded = await api.post(f"/commitments/{manual}/manual", body)
    assert recorded["achieved"] == 2
    await api.post(f"/commitments/{counted}/manual", body, expect=409)
    await api.post(f"/commitments/{uuid.uuid4()}/manual", body, expect=404)
    await api.post(f"/commitments/{manual}/manual", {**body, "amount": 0}, expect=422)


async def test_a_period_ending_before_it_starts_is_refused(api: Api) -> None:
    body = {
        "title": "Fel",
        "police_area": "LPO",
        "period_start": "2027-12-31",
        "period_end": "2027-01-01",
        "commitments": [commitment("walks_held", hot_spot_ids=[str(uuid.uuid4())])],
    }
    await api.post("/municipalities/0683/promises", body, expect=422)
