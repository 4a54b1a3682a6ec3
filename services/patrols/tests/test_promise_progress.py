"""A promise's progress comes from events: a walk conducted, a round completed, a week approved,
a dialogue's inputs, a measure done on time move their commitment's figure, once each."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from patrols_testkit import HOME, OTHER, Api, token

from patrols.promises import handlers
from shared.consumer import EventMeta
from shared.contracts.patrols import RoundCompleted, SituationReportApproved
from shared.contracts.tips import TimeBlock, TipReceived
from shared.contracts.walks import MeasureStatusChanged, ProtocolPublished, WalkConducted
from shared.events import Contract, envelope

pytestmark = pytest.mark.service

RING = [[13.73, 57.16], [13.76, 57.16], [13.76, 57.18], [13.73, 57.18], [13.73, 57.16]]
AREA = {"type": "Polygon", "coordinates": [RING]}
WHEN = datetime(2027, 3, 10, 18, 0, tzinfo=UTC)


def meta(event: Contract) -> EventMeta:
    cloud = envelope(event)
    return EventMeta(cloud.id, cloud.source, cloud.type, cloud.subject, "t", 0, 0, cloud)


def commitment(indicator: str, **extra: Any) -> dict[str, Any]:
    return {"title": f"Löfte {indicator}", "indicator": indicator, "target": 4, **extra}


async def promise(api: Api, *commitments: dict[str, Any]) -> dict[str, Any]:
    body = {
        "title": "Medborgarlöfte Värnamo 2027",
        "police_area": "Lokalpolisområde Värnamo",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "focus_areas": ["närvaro", "unga"],
        "commitments": list(commitments),
    }
    made: dict[str, Any] = await api.post(f"/municipalities/{HOME}/promises", body)
    return made


async def figure(api: Api, promise_id: str, position: int = 0) -> int:
    response = await api.client.get(f"/promises/{promise_id}", headers=token())
    assert response.status_code == 200, response.text
    achieved: int = response.json()["commitments"][position]["achieved"]
    return achieved


async def deliver(handler: Any, event: Contract, api: Api, again: bool = False) -> None:
    delivered = meta(event)
    await handler(event, api.session, meta=delivered)
    if again:
        await handler(event, api.session, meta=delivered)


def walk(locality: str = "Forsheda", **overrides: Any) -> WalkConducted:
    facts = {
        "walk_id": str(uuid.uuid4()),
        "municipality_code": HOME,
        "locality": locality,
        "area": AREA,
        "conducted_at": WHEN,
        "light_condition": "after_dark",
        "participants_by_role": {"resident": 6},
        "observations": [],
    }
    return WalkConducted.model_validate({**facts, **overrides})


def round_completed(**overrides: Any) -> RoundCompleted:
    place = {"hot_spot_id": str(uuid.uuid4()), "name": "Torget", "area": AREA}
    facts = {
        "municipality_code": HOME,
        "round_id": str(uuid.uuid4()),
        "day": "2027-03-10",
        "places": [{**place, "visits": 2, "minutes": 25}],
        "visits": 2,
        "minutes": 25,
    }
    return RoundCompleted.model_validate({**facts, **overrides})


def week_approved(version: int, report_id: uuid.UUID | None = None) -> SituationReportApproved:
    return SituationReportApproved.model_validate(
        {
            "municipality_code": HOME,
            "report_id": str(report_id or uuid.uuid4()),
            "year": 2027,
            "week": 10,
            "version": version,
            "threshold": 3,
            "places": [],
            "hot_spots": 2,
            "rounds": 3,
            "approved_at": WHEN + timedelta(hours=version),
        }
    )


def dialogue_tip(dialogue_id: uuid.UUID, **overrides: Any) -> TipReceived:
    block = TimeBlock(start=WHEN, end=WHEN + timedelta(hours=3))
    facts = {
        "tip_id": str(uuid.uuid4()),
        "municipality_code": HOME,
        "category": "unsafe_place",
        "source_type": "dialogue",
        "dialogue_id": str(dialogue_id),
        "locality": "Forsheda",
        "occurred": block,
        "occurred_known": False,
        "received": block,
    }
    return TipReceived.model_validate({**facts, **overrides})


def measure_done(due: date, done_at: datetime) -> MeasureStatusChanged:
    measure = {
        "measure_id": str(uuid.uuid4()),
        "title": "Ny belysning vid stationen",
        "responsible": {"key": "tekniska", "name": "Tekniska förvaltningen"},
        "priority": "high",
        "due_date": due.isoformat(),
        "status": "done",
    }
    return MeasureStatusChanged.model_validate(
        {
            "plan_id": str(uuid.uuid4()),
            "plan_title": "Belysning i Forsheda",
            "municipality_code": HOME,
            "locality": "Forsheda",
            "measure": measure,
            "previous_status": "in_progress",
            "changed_at": done_at,
            "affected_area": {"type": "MultiPolygon", "coordinates": [[RING]]},
            "buffer_m": 100,
            "public_url": "http://walks.example/public/plans/1.html",
        }
    )


async def test_a_walk_conducted_moves_walks_held_once_however_often_delivered(api: Api) -> None:
    made = await promise(api, commitment("walks_held", localities=["Forsheda", "Bredaryd"]))
    event = walk("Forsheda")
    await deliver(handlers.on_walk_conducted, event, api, again=True)
    assert await figure(api, made["id"]) == 1


async def test_a_walk_in_another_locality_than_the_commitments_does_not_count(api: Api) -> None:
    made = await promise(api, commitment("walks_held", localities=["Forsheda", "Bredaryd"]))
    await deliver(handlers.on_walk_conducted, walk("Anderstorp"), api)
    assert await figure(api, made["id"]) == 0


async def test_a_walk_outside_the_period_or_of_another_municipality_does_not_count(
    api: Api,
) -> None:
    made = await promise(api, commitment("walks_held"))
    await deliver(handlers.on_walk_conducted, walk(conducted_at=WHEN.replace(year=2028)), api)
    await deliver(handlers.on_walk_conducted, walk(municipality_code=OTHER), api)
    assert await figure(api, made["id"]) == 0


async def test_a_published_protocol_becomes_the_link_of_the_walk_counted(api: Api) -> None:
    made = await promise(api, commitment("walks_held"))
    event = walk()
    await deliver(handlers.on_walk_conducted, event, api)
    protocol = ProtocolPublished.model_validate(
        {
            **event.model_dump(include={"walk_id", "municipality_code", "locality"}),
            "title": "Vandring i Forsheda",
            "conducted_at": WHEN,
            "light_condition": "after_dark",
            "summary": "Mörkt vid stationen.",
            "participants_by_role": {"resident": 6},
            "observations": [],
            "published_at": WHEN + timedelta(days=3),
            "public_url": "http://walks.example/public/walks/1/protocol.html",
            "data_url": "http://walks.example/public/walks/1/protocol",
        }
    )
    await deliver(handlers.on_protocol_published, protocol, api)
    response = await api.client.get(f"/promises/{made['id']}", headers=token())
    [activity] = response.json()["activities"]
    assert activity["link"] == protocol.public_url


async def test_a_round_completed_moves_rounds_done_once(api: Api) -> None:
    made = await promise(api, commitment("rounds_done"))
    await deliver(handlers.on_round_completed, round_completed(), api, again=True)
    assert await figure(api, made["id"]) == 1


async def test_a_round_elsewhere_than_the_commitments_hot_spots_does_not_count(api: Api) -> None:
    made = await promise(api, commitment("rounds_done", hot_spot_ids=[str(uuid.uuid4())]))
    await deliver(handlers.on_round_completed, round_completed(), api)
    assert await figure(api, made["id"]) == 0


async def test_a_week_approved_and_corrected_counts_once(api: Api) -> None:
    made = await promise(api, commitment("weekly_pictures_approved"))
    report = uuid.uuid4()
    await deliver(handlers.on_situation_report_approved, week_approved(1, report), api)
    await deliver(handlers.on_situation_report_approved, week_approved(2, report), api)
    assert await figure(api, made["id"]) == 1


async def test_two_inputs_of_one_dialogue_count_one_dialogue(api: Api) -> None:
    made = await promise(api, commitment("dialogues_held"))
    dialogue = uuid.uuid4()
    await deliver(handlers.on_tip_received, dialogue_tip(dialogue), api)
    await deliver(handlers.on_tip_received, dialogue_tip(dialogue), api)
    await deliver(handlers.on_tip_received, dialogue_tip(uuid.uuid4()), api)
    await deliver(handlers.on_tip_received, dialogue_tip(dialogue, source_type="public"), api)
    assert await figure(api, made["id"]) == 2


async def test_a_measure_done_on_time_counts_and_a_late_one_not(api: Api) -> None:
    made = await promise(api, commitment("measures_done_on_time"))
    on_time = measure_done(date(2027, 3, 10), WHEN)
    late = measure_done(date(2027, 3, 9), WHEN)
    await deliver(handlers.on_measure_status_changed, on_time, api, again=True)
    await deliver(handlers.on_measure_status_changed, late, api)
    assert await figure(api, made["id"]) == 1


async def test_only_the_commitments_indicator_moves(api: Api) -> None:
    made = await promise(api, commitment("walks_held"), commitment("rounds_done"))
    await deliver(handlers.on_walk_conducted, walk(), api)
    assert (await figure(api, made["id"], 0), await figure(api, made["id"], 1)) == (1, 0)
