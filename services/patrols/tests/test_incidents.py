"""Incidents: reported one by one or in batches (JSON or CSV) by the police and the
municipality, read by staff, withdrawn by their reporters, and taken in from tips and walks."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from patrols_testkit import BREDARYD, HOME, OTHER, Api, point, token
from sqlalchemy import func
from sqlmodel import col, select

from patrols.incidents import handlers
from patrols.incidents.models import Incident
from shared import geo
from shared.consumer import EventMeta
from shared.contracts.tips import GridCell, TimeBlock, TipReceived
from shared.contracts.walks import WalkConducted
from shared.events import Contract, envelope

pytestmark = pytest.mark.service

BULK = f"/municipalities/{HOME}/incidents/bulk"
ONE = f"/municipalities/{HOME}/incidents"
CSV_HEADER = "external_id,source,category,occurred_at,lon,lat,locality"
READ_ONLY = ["patrols:read"]
LATIN_1 = f"{CSV_HEADER}\nR-1,police,theft,2026-11-28T21:30:00Z,,,Bor\xe5s\n".encode("latin-1")


def report(**overrides: Any) -> dict[str, Any]:
    body = {
        "external_id": f"RAR-{uuid.uuid4().hex[:12]}",
        "source": "police",
        "category": "vandalism",
        "occurred_at": "2026-11-28T21:30:00+01:00",
        "location": point(),
    }
    return {**body, **overrides}


def csv_line(external_id: str, **overrides: str) -> str:
    values = {
        "source": "police",
        "category": "vandalism",
        "occurred_at": "2026-11-28T21:30:00+01:00",
        "lon": "13.8262",
        "lat": "57.1661",
        "locality": "",
        **overrides,
    }
    return ",".join([external_id, *values.values()])


def csv_body(*lines: str, header: str = CSV_HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


async def send_csv(api: Api, body: bytes, **headers: str) -> httpx.Response:
    kind = {"Content-Type": "text/csv; charset=utf-8"}
    return await api.client.post(BULK, content=body, headers=token() | kind | headers)


async def send_batch(api: Api, rows: list[dict[str, Any]]) -> httpx.Response:
    return await api.client.post(BULK, json={"incidents": rows}, headers=token())


async def stored(api: Api, **where: str) -> list[Incident]:
    statement = select(Incident).order_by(col(Incident.occurred_at), col(Incident.external_id))
    for name, value in where.items():
        statement = statement.where(getattr(Incident, name) == value)
    return list(await api.session.exec(statement))


async def count(api: Api) -> int:
    return int((await api.session.exec(select(func.count()).select_from(Incident))).one())


def pointers(response: httpx.Response) -> list[str]:
    return [e["pointer"] for e in response.json()["errors"]]


# --- One incident -------------------------------------------------------------------------------


async def test_a_reported_incident_is_stored_and_answered_as_a_feature(api: Api) -> None:
    body = report()
    feature = await api.post(ONE, body)
    assert feature["type"] == "Feature"
    assert feature["geometry"] == point()
    properties = feature["properties"]
    assert properties["external_id"] == body["external_id"]
    assert properties["municipality"] == HOME
    assert properties["source"] == "police"
    assert properties["occurred_at"].startswith("2026-11-28T20:30:00")
    # No locality given: the one the point lies in.
    assert properties["locality"] == "Forsheda"
    assert properties["reported_by"] == "tester"
    [incident] = await stored(api)
    assert str(incident.id) == feature["id"]
    assert incident.category == "vandalism"


async def test_the_same_report_again_answers_200_with_the_stored_incident(api: Api) -> None:
    body = report()
    first = await api.post(ONE, body)
    # The same moment written in another offset is the same report.
    again = await api.post(ONE, {**body, "occurred_at": "2026-11-28T20:30:00Z"}, expect=200)
    assert again == first
    assert await count(api) == 1


async def test_another_report_under_a_used_id_is_refused(api: Api) -> None:
    body = report()
    first = await api.post(ONE, body)
    response = await api.client.post(ONE, json={**body, "category": "graffiti"}, headers=token())
    assert response.status_code == 409
    assert response.json()["type"].endswith("/incident-id-taken")
    assert first["id"] in response.json()["detail"]
    [incident] = await stored(api)
    assert incident.category == "vandalism"


async def test_the_same_id_from_another_source_is_another_incident(api: Api) -> None:
    body = report()
    await api.post(ONE, body)
    await api.post(ONE, {**body, "source": "municipality"})
    assert await count(api) == 2


async def test_a_named_locality_alone_is_a_place_without_a_point(api: Api) -> None:
    feature = await api.post(ONE, report(location=None, locality="bredaryd"))
    assert feature["geometry"] is None
    assert feature["properties"]["locality"] == "Bredaryd"


async def test_a_named_locality_is_kept_beside_the_point(api: Api) -> None:
    feature = await api.post(ONE, report(location=point(*BREDARYD), locality="Forsheda"))
    assert feature["properties"]["locality"] == "Forsheda"
    assert feature["geometry"] == point(*BREDARYD)


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"location": None}, ""),
        ({"source": "tip"}, "/source"),
        ({"category": "Vandalism!"}, "/category"),
        ({"external_id": "has space"}, "/external_id"),
        ({"occurred_at": "2026-11-28 21:30"}, "/occurred_at"),
        ({"location": point(200.0, 57.0)}, "/location/coordinates/0"),
        ({"reporter": "someone"}, "/reporter"),
        ({"locality": "Gislaved centrum"}, "/locality"),
        ({"locality": "Atlantis"}, "/locality"),
    ],
)
async def test_a_wrong_report_is_refused_at_its_field_and_nothing_stored(
    api: Api, overrides: dict[str, Any], pointer: str
) -> None:
    response = await api.client.post(ONE, json=report(**overrides), headers=token())
    assert response.status_code == 422, response.text
    assert pointer in pointers(response)
    assert await count(api) == 0


async def test_a_report_from_the_future_is_refused_but_a_fast_clock_is_not(api: Api) -> None:
    now = datetime.now(UTC)
    later = (now + timedelta(minutes=30)).isoformat()
    response = await api.client.post(ONE, json=report(occurred_at=later), headers=token())
    assert response.status_code == 422
    assert pointers(response) == ["/occurred_at"]
    await api.post(ONE, report(occurred_at=(now + timedelta(minutes=2)).isoformat()))


async def test_a_token_of_another_municipality_cannot_report_into_it(api: Api) -> None:
    response = await api.client.post(ONE, json=report(), headers=token(municipalities=[OTHER]))
    assert response.status_code == 403
    batch = await api.client.post(
        BULK, json={"incidents": [report()]}, headers=token(municipalities=[OTHER])
    )
    assert batch.status_code == 403
    assert await count(api) == 0


async def test_a_reading_token_cannot_report(api: Api) -> None:
    headers = token(READ_ONLY)
    assert (await api.client.post(ONE, json=report(), headers=headers)).status_code == 403
    bulk = await api.client.post(BULK, json={"incidents": [report()]}, headers=headers)
    assert bulk.status_code == 403
    assert (await api.client.post(ONE, json=report())).status_code == 401
    assert await count(api) == 0


# --- Batches ------------------------------------------------------------------------------------


async def test_a_json_batch_is_stored_and_sent_again_changes_nothing(api: Api) -> None:
    rows = [report(), report(location=None, locality="Bor"), report(source="municipality")]
    first = await send_batch(api, rows)
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 3, "unchanged": 0}
    again = await send_batch(api, rows)
    assert again.json() == {"created": 0, "unchanged": 3}
    incidents = await stored(api)
    assert len(incidents) == 3
    assert {i.reported_by for i in incidents} == {"tester"}


async def test_a_csv_batch_is_stored_and_is_the_same_report_as_its_json(api: Api) -> None:
    body = csv_body(
        csv_line("RAR-1"),
        csv_line("GK-2", source="municipality", lon="", lat="", locality="Bredaryd"),
        '"RAR-3",police,graffiti,2026-11-27T08:00:00Z,13.7426,57.1716,"Bredaryd"',
    )
    # Spreadsheets start their UTF-8 with a byte order mark.
    response = await send_csv(api, b"\xef\xbb\xbf" + body)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 3, "unchanged": 0}
    by_id = {i.external_id: i for i in await stored(api)}
    assert by_id["GK-2"].location is None
    assert by_id["GK-2"].locality == "Bredaryd"
    assert by_id["RAR-1"].locality == "Forsheda"
    assert geo.from_db(by_id["RAR-3"].location)["coordinates"] == BREDARYD
    same = report(external_id="RAR-1", location=point(13.8262, 57.1661))
    assert (await send_batch(api, [same])).json() == {"created": 0, "unchanged": 1}


async def test_csv_columns_may_come_in_any_order_and_crlf_lines(api: Api) -> None:
    header = "locality,lat,lon,occurred_at,category,source,external_id"
    body = f"{header}\r\nBor,,,2026-11-20T10:00:00+01:00,litter,municipality,K-1\r\n".encode()
    response = await send_csv(api, body)
    assert response.json() == {"created": 1, "unchanged": 0}
    [incident] = await stored(api)
    assert (incident.locality, incident.category, incident.source) == (
        "Bor",
        "litter",
        "municipality",
    )


async def test_five_thousand_csv_rows_are_stored_in_one_batch(api: Api) -> None:
    lines = [
        csv_line(f"RAR-2026-{n:06d}", lon=f"{13.80 + n / 100_000:.6f}", lat="57.166100")
        for n in range(5000)
    ]
    body = csv_body(*lines)
    assert len(body) < 1024 * 1024
    response = await send_csv(api, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 5000, "unchanged": 0}
    assert await count(api) == 5000
    again = await send_csv(api, body)
    assert again.json() == {"created": 0, "unchanged": 5000}


async def test_five_thousand_json_rows_fit_when_written_compactly(api: Api) -> None:
    rows = [
        {
            "external_id": f"R{n}",
            "source": "police",
            "category": "vandalism",
            "occurred_at": "2026-11-28T21:30:00Z",
            "location": point(round(13.80 + n / 100_000, 6), 57.1661),
        }
        for n in range(5000)
    ]
    response = await send_batch(api, rows)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 5000


async def test_more_than_five_thousand_rows_are_refused(api: Api) -> None:
    rows = [{"external_id": f"R{n}"} for n in range(5001)]
    response = await send_batch(api, rows)
    assert response.status_code == 422
    assert pointers(response) == ["/incidents"]
    lines = [csv_line(f"R{n}", lon="", lat="", locality="Bor") for n in range(5001)]
    csv_response = await send_csv(api, csv_body(*lines))
    assert csv_response.status_code == 422
    assert pointers(csv_response) == ["/rows"]
    assert await count(api) == 0


async def test_a_batch_with_bad_rows_stores_nothing_and_points_at_each(api: Api) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    rows = [
        report(),
        report(category="Not A Code"),
        report(),
        report(occurred_at=future),
        report(location=None, locality="Atlantis"),
        report(location=None),
    ]
    response = await send_batch(api, rows)
    assert response.status_code == 422
    assert pointers(response) == [
        "/incidents/1/category",
        "/incidents/3/occurred_at",
        "/incidents/4/locality",
        "/incidents/5",
    ]
    assert "4 of 6" in response.json()["detail"]
    assert await count(api) == 0


async def test_a_csv_batch_with_bad_rows_stores_nothing_and_points_at_each(api: Api) -> None:
    body = csv_body(
        csv_line("RAR-1"),
        csv_line("RAR-2", category="Nope"),
        "",  # a blank line is not a row
        csv_line("RAR-3", lon="east"),
        csv_line("RAR-4", source="tip", lat="95"),
        csv_line("RAR-5", lon="", lat="", locality=""),
        "RAR-6,police,too,few",
    )
    response = await send_csv(api, body)
    assert response.status_code == 422
    assert pointers(response) == [
        "/rows/2/category",
        "/rows/3/lon",
        "/rows/4/source",
        "/rows/4/lat",
        "/rows/5",
        "/rows/6",
    ]
    assert await count(api) == 0


@pytest.mark.parametrize(
    ("body", "status", "pointer"),
    [
        (b"", 422, "/header"),
        (b"id,source,category,occurred_at,lon,lat,locality\n", 422, "/header"),
        (f"{CSV_HEADER},note\n".encode(), 422, "/header"),
        (f"{CSV_HEADER}\n".encode(), 422, "/rows"),
        (LATIN_1, 400, None),
        (f'{CSV_HEADER}\n"R-1,police\n'.encode(), 400, None),
    ],
)
async def test_a_csv_that_cannot_be_read_is_refused(
    api: Api, body: bytes, status: int, pointer: str | None
) -> None:
    response = await send_csv(api, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if pointer is not None:
        assert pointers(response) == [pointer]
    assert await count(api) == 0


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"incidents": [', 400),
        ("application/json", b"\xff\xfe", 400),
        ("application/json", b'{"incidents": []}', 422),
        ("application/json", b'{"rows": []}', 422),
        ("text/plain", b"external_id\n", 400),
        ("text/csv; charset=iso-8859-1", f"{CSV_HEADER}\n".encode(), 400),
    ],
)
async def test_a_body_of_the_wrong_kind_is_refused(
    api: Api, content_type: str, body: bytes, status: int
) -> None:
    headers = token() | {"Content-Type": content_type}
    response = await api.client.post(BULK, content=body, headers=headers)
    assert response.status_code == status, response.text


async def test_a_body_over_the_limit_is_refused_with_413(api: Api) -> None:
    lines = [csv_line(f"RAR-{n:096d}") for n in range(8000)]
    response = await send_csv(api, csv_body(*lines))
    assert response.status_code == 413
    assert await count(api) == 0


async def test_a_batch_reusing_a_stored_id_for_another_incident_stores_nothing(api: Api) -> None:
    taken = await api.post(ONE, report(external_id="RAR-9"))
    rows = [report(), report(external_id="RAR-9", category="graffiti"), report()]
    response = await send_batch(api, rows)
    assert response.status_code == 409
    problem = response.json()
    assert problem["conflicting"] == ["RAR-9"]
    assert pointers(response) == ["/incidents/1/external_id"]
    [incident] = await stored(api)
    assert str(incident.id) == taken["id"]


async def test_one_id_twice_in_a_batch_is_one_incident_or_a_conflict(api: Api) -> None:
    same = report()
    twice = await send_batch(api, [same, report(), same])
    assert twice.json() == {"created": 2, "unchanged": 1}
    other = report()
    refused = await send_batch(api, [other, {**other, "category": "graffiti"}])
    assert refused.status_code == 409
    assert pointers(refused) == ["/incidents/1/external_id"]
    assert await count(api) == 2


async def test_the_batch_route_documents_json_and_csv(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    operation = document["paths"]["/municipalities/{municipality}/incidents/bulk"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    item = content["application/json"]["schema"]["properties"]["incidents"]["items"]["$ref"]
    assert item.rsplit("/", 1)[1] in document["components"]["schemas"]
    assert "1024 KiB" in operation["description"]


# --- Reading ------------------------------------------------------------------------------------


async def test_an_incident_of_another_municipality_is_not_found(api: Api) -> None:
    feature = await api.post(ONE, report())
    path = f"/incidents/{feature['id']}"
    mine = await api.client.get(path, headers=token(READ_ONLY))
    assert mine.json() == feature
    other = token(municipalities=[OTHER])
    assert (await api.client.get(path, headers=other)).status_code == 404
    assert (await api.client.delete(path, headers=other)).status_code == 404
    assert (await api.client.get(f"/incidents/{uuid.uuid4()}", headers=token())).status_code == 404
    assert await count(api) == 1


async def _listed(api: Api, headers: dict[str, str] | None = None, **query: Any) -> Any:
    response = await api.client.get("/incidents", params=query, headers=headers or token())
    assert response.status_code == 200, response.text
    return response.json()


async def _the_picture(api: Api) -> None:
    both = token(municipalities=[HOME, OTHER])
    rows = [
        report(external_id="A", occurred_at="2026-11-01T08:00:00+01:00"),
        report(external_id="B", category="graffiti", occurred_at="2026-11-10T23:30:00+01:00"),
        report(external_id="C", source="municipality", occurred_at="2026-11-11T00:30:00+01:00"),
        report(external_id="D", location=None, locality="Bor"),
        report(external_id="E", location=point(*BREDARYD), occurred_at="2026-11-28T20:00:00Z"),
    ]
    assert (await send_batch(api, rows)).status_code == 200
    elsewhere = report(external_id="G", location=None, locality="Gislaved centrum")
    path = f"/municipalities/{OTHER}/incidents"
    assert (await api.client.post(path, json=elsewhere, headers=both)).status_code == 201


def _ids(page: Any) -> list[str]:
    return [f["properties"]["external_id"] for f in page["features"]]


async def test_the_list_is_the_tokens_municipalities_latest_first(api: Api) -> None:
    await _the_picture(api)
    page = await _listed(api)
    assert page["type"] == "FeatureCollection"
    assert _ids(page) == ["D", "E", "C", "B", "A"]
    assert [f["geometry"] is None for f in page["features"]] == [True, False, False, False, False]
    both = token(READ_ONLY, municipalities=[HOME, OTHER])
    assert len(_ids(await _listed(api, both))) == 6
    assert _ids(await _listed(api, both, municipality=OTHER)) == ["G"]
    refused = await api.client.get("/incidents", params={"municipality": OTHER}, headers=token())
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"source": "municipality"}, ["C"]),
        ({"category": "graffiti"}, ["B"]),
        ({"locality": "bredaryd"}, ["E"]),
        # Days are Swedish: B happened late on 10 November, C just after midnight.
        ({"occurred_from": "2026-11-10", "occurred_to": "2026-11-10"}, ["B"]),
        ({"occurred_from": "2026-11-11"}, ["D", "E", "C"]),
        ({"occurred_to": "2026-11-09"}, ["A"]),
        ({"bbox": "13.70,57.15,13.78,57.20"}, ["E"]),
        ({"source": "tip"}, []),
    ],
)
async def test_the_list_filters(api: Api, query: dict[str, str], expected: list[str]) -> None:
    await _the_picture(api)
    assert _ids(await _listed(api, **query)) == expected


async def test_the_list_is_paged(api: Api) -> None:
    await _the_picture(api)
    first = await _listed(api, limit=2)
    assert (_ids(first), first["total"], first["next_offset"]) == (["D", "E"], 5, 2)
    last = await _listed(api, limit=2, offset=4)
    assert (_ids(last), last["next_offset"]) == (["A"], None)
    bad = await api.client.get("/incidents", params={"bbox": "1,2,3"}, headers=token())
    assert bad.status_code == 422


# --- Withdrawing --------------------------------------------------------------------------------


async def test_a_reporter_withdraws_an_incident_sent_by_mistake(api: Api) -> None:
    feature = await api.post(ONE, report())
    path = f"/incidents/{feature['id']}"
    assert (await api.client.delete(path, headers=token(READ_ONLY))).status_code == 403
    assert (await api.client.delete(path, headers=token())).status_code == 204
    assert await count(api) == 0
    assert (await api.client.delete(path, headers=token())).status_code == 404


async def test_an_incident_from_a_tip_cannot_be_withdrawn(api: Api) -> None:
    event = tip_received()
    await handlers.on_tip_received(event, api.session, meta=meta(event))
    [incident] = await stored(api)
    response = await api.client.delete(f"/incidents/{incident.id}", headers=token())
    assert response.status_code == 409
    assert "tip" in response.json()["detail"]
    assert await count(api) == 1


# --- From events --------------------------------------------------------------------------------


def tip_received(cell: bool = True, **overrides: Any) -> TipReceived:
    start = datetime(2026, 11, 28, 21, tzinfo=UTC)
    square = GridCell(size_m=250, east=432000, north=6340000, centre=geo.Point(**point()))
    fields: dict[str, Any] = {
        "tip_id": uuid.uuid4(),
        "municipality_code": HOME,
        "category": "unsafe_place",
        "source_type": "public",
        "locality": "Forsheda",
        "cell": square if cell else None,
        "occurred": TimeBlock(start=start, end=start + timedelta(hours=3)),
        "occurred_known": True,
        "received": TimeBlock(start=start, end=start + timedelta(hours=3)),
    }
    return TipReceived.model_validate({**fields, **overrides})


def observation(sentiment: str, **overrides: Any) -> dict[str, Any]:
    return {
        "observation_id": str(uuid.uuid4()),
        "location": point(*BREDARYD),
        "category": "lighting",
        "sentiment": sentiment,
        **overrides,
    }


def walk_conducted(*observations: dict[str, Any]) -> WalkConducted:
    ring = [[13.73, 57.16], [13.76, 57.16], [13.76, 57.18], [13.73, 57.18], [13.73, 57.16]]
    return WalkConducted.model_validate(
        {
            "walk_id": str(uuid.uuid4()),
            "municipality_code": HOME,
            "locality": "Bredaryd",
            "area": {"type": "Polygon", "coordinates": [ring]},
            "conducted_at": "2026-11-20T18:00:00+01:00",
            "light_condition": "after_dark",
            "participants_by_role": {"resident": 6, "police": 1},
            "observations": list(observations),
        }
    )


def meta(event: Contract) -> EventMeta:
    cloud = envelope(event)
    topic = "trygg.tips.events" if isinstance(event, TipReceived) else "trygg.walks.events"
    return EventMeta(cloud.id, cloud.source, cloud.type, cloud.subject, topic, 0, 0, cloud)


async def test_a_tip_is_an_incident_at_its_grid_square(api: Api) -> None:
    event = tip_received()
    await handlers.on_tip_received(event, api.session, meta=meta(event))
    [incident] = await stored(api)
    assert (incident.source, incident.external_id) == ("tip", str(event.tip_id))
    assert incident.category == "unsafe_place"
    assert incident.occurred_at == event.occurred.start
    assert geo.from_db(incident.location)["coordinates"] == (13.8262, 57.1661)
    assert incident.locality == "Forsheda"
    assert incident.reported_by == "/tips"


async def test_a_tip_without_a_square_is_an_incident_of_its_locality_only(api: Api) -> None:
    event = tip_received(cell=False, locality="Bor")
    await handlers.on_tip_received(event, api.session, meta=meta(event))
    [incident] = await stored(api)
    assert incident.location is None
    assert incident.locality == "Bor"


async def test_a_tip_handled_twice_is_one_incident(api: Api) -> None:
    event = tip_received()
    await handlers.on_tip_received(event, api.session, meta=meta(event))
    await handlers.on_tip_received(event, api.session, meta=meta(event))
    assert await count(api) == 1


async def test_a_walks_negative_observations_are_incidents_and_positive_ones_not(
    api: Api,
) -> None:
    dark = observation("negative", observed_at="2026-11-20T18:40:00+01:00")
    litter = observation("negative", category="maintenance")
    event = walk_conducted(dark, litter, observation("positive"))
    await handlers.on_walk_conducted(event, api.session, meta=meta(event))
    await handlers.on_walk_conducted(event, api.session, meta=meta(event))
    incidents = {i.external_id: i for i in await stored(api)}
    assert set(incidents) == {dark["observation_id"], litter["observation_id"]}
    lighting = incidents[dark["observation_id"]]
    assert (lighting.source, lighting.category, lighting.locality) == (
        "walk",
        "lighting",
        "Bredaryd",
    )
    assert lighting.occurred_at == datetime(2026, 11, 20, 17, 40, tzinfo=UTC)
    assert geo.from_db(lighting.location)["coordinates"] == BREDARYD
    # Without its own time, an observation happened when the walk did.
    assert incidents[litter["observation_id"]].occurred_at == event.conducted_at
