"""The Open311 GeoReport v2 endpoint: the spec's resources and fields in XML and JSON, filing
tips through the one intake, and what anyone may read of them."""

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from tips_testkit import FORSHEDA, HOME, OTHER, Api

from shared import geo
from shared.testing import api_client, client_address, use_session
from tips.app import create_app
from tips.categories import service as categories
from tips.categories.schemas import CategoryWrite
from tips.config import DEV_OPEN311_KEY, Settings
from tips.domain import Divert, utcnow
from tips.feedback.models import TipFeedback
from tips.tips import service as intake
from tips.tips.models import Tip, TipContact

pytestmark = pytest.mark.service

RECEIVED = "se.trygg.tips.tip.received.v1"
FORMATS = ["json", "xml"]
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

# The spec's fields of each resource (wiki.open311.org/GeoReport_v2, Service_Discovery).
DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT = {"specification", "url", "changeset", "type", "formats"}
SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION = {"service_code", "attributes"}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
VALUE = {"key", "name"}
CREATED = {"service_request_id", "service_notice", "account_id"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
ERROR = {"code", "description"}
# The spec's XML lists and the element of their items.
LISTS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def from_xml(element: ET.Element) -> Any:
    """The element as the spec's JSON mapping has it, every leaf a text (or None)."""
    if element.tag in LISTS:
        assert {child.tag for child in element} <= {LISTS[element.tag]}
        return [from_xml(child) for child in element]
    if len(element):
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), tags
        return {child.tag: from_xml(child) for child in element}
    return element.text


def parse(response: httpx.Response, fmt: str, root: str) -> Any:
    if fmt == "json":
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        return response.json()
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(DECLARATION)
    element = ET.fromstring(response.content)
    assert element.tag == root
    return from_xml(element)


def errors(response: httpx.Response, fmt: str, status: int) -> list[str]:
    """The descriptions of a spec error answer, after checking its status and shape."""
    assert response.status_code == status, response.text
    found = parse(response, fmt, "errors")
    assert found
    assert all(set(e) == ERROR for e in found)
    assert {str(e["code"]) for e in found} == {str(status)}
    return [e["description"] for e in found]


def form(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "api_key": DEV_OPEN311_KEY,
        "jurisdiction_id": HOME,
        "service_code": "unsafe_place",
        "lat": str(FORSHEDA[1]),
        "long": str(FORSHEDA[0]),
        "description": "Gångtunneln under järnvägen är mörk.",
        "attribute[why][]": ["lighting", "litter"],
        "attribute[when_unsafe]": "dark",
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


async def post(
    api: Api, fmt: str = "json", headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    return await api.client.post(
        f"/open311/v2/requests.{fmt}", data=form(**fields), headers=headers
    )


async def filed(api: Api, **fields: Any) -> Tip:
    response = await post(api, **fields)
    assert response.status_code == 200, response.text
    tip = await api.tip(response.json()[0]["service_request_id"])
    assert tip is not None
    return tip


async def get(api: Api, path: str, **params: str) -> httpx.Response:
    return await api.client.get(f"/open311/v2/{path}", params=params)


async def listed(api: Api, fmt: str = "json", **params: str) -> list[dict[str, Any]]:
    response = await get(api, f"requests.{fmt}", jurisdiction_id=HOME, **params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = parse(response, fmt, "service_requests")
    return found


async def tips_stored(api: Api) -> int:
    return (await api.session.exec(select(func.count()).select_from(Tip))).one()


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_resource_has_exactly_the_spec_fields(api: Api, fmt: str) -> None:
    await api.categories()
    discovery = parse(await get(api, f"discovery.{fmt}"), fmt, "discovery")
    assert set(discovery) == DISCOVERY
    [endpoint] = discovery["endpoints"]
    assert set(endpoint) == ENDPOINT
    assert endpoint["url"] == "https://tips.example.se/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    services = parse(await get(api, f"services.{fmt}", jurisdiction_id=HOME), fmt, "services")
    assert [set(s) for s in services] == [SERVICE] * len(services)
    assert {s["type"] for s in services} == {"realtime"}

    definition = parse(
        await get(api, f"services/unsafe_place.{fmt}", jurisdiction_id=HOME),
        fmt,
        "service_definition",
    )
    assert set(definition) == DEFINITION
    assert [set(a) for a in definition["attributes"]] == [ATTRIBUTE, ATTRIBUTE]
    assert all(set(v) == VALUE for a in definition["attributes"] for v in a["values"])

    [created] = parse(await post(api, fmt), fmt, "service_requests")
    assert set(created) == CREATED
    request_id = created["service_request_id"]

    requests = await listed(api, fmt)
    assert [r["service_request_id"] for r in requests] == [request_id]
    assert set(requests[0]) == REQUEST
    one = parse(
        await get(api, f"requests/{request_id}.{fmt}", jurisdiction_id=HOME),
        fmt,
        "service_requests",
    )
    assert [set(r) for r in one] == [REQUEST]
    errors(await get(api, f"services.{fmt}"), fmt, 400)


async def test_json_carries_the_spec_types(api: Api) -> None:
    await api.categories()
    services = (await get(api, "services.json", jurisdiction_id=HOME)).json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["unsafe_place"]["metadata"] is True
    assert by_code["other"]["metadata"] is False
    assert by_code["lighting"]["group"] == "Otrygg plats"
    assert "112" in by_code["violence"]["description"]
    definition = (await get(api, "services/vandalism.json", jurisdiction_id=HOME)).json()
    [attribute] = definition["attributes"]
    assert attribute["variable"] is True
    assert attribute["required"] is True
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["order"] == 1
    assert attribute["values"] == [{"key": "yes", "name": "Ja"}, {"key": "no", "name": "Nej"}]
    why = (await get(api, "services/unsafe_place.json", jurisdiction_id=HOME)).json()
    assert [a["datatype"] for a in why["attributes"]] == ["multivaluelist", "singlevaluelist"]
    await filed(api)
    [request] = await listed(api)
    assert isinstance(request["lat"], float)
    assert isinstance(request["long"], float)
    assert datetime.fromisoformat(request["requested_datetime"]).tzinfo is not None


async def test_xml_escapes_text_and_drops_what_xml_cannot_carry(api: Api) -> None:
    await api.categories()
    name = 'Klotter & <skador> på "väggar"'
    await categories.put_category(
        api.session, HOME, "graffiti", CategoryWrite(name_sv=name, position=9)
    )
    response = await get(api, "services.xml", jurisdiction_id=HOME)
    assert b"Klotter &amp; &lt;skador&gt;" in response.content
    services = parse(response, "xml", "services")
    assert name in [s["service_name"] for s in services]
    tip = await filed(api)
    tip.public_note = "Åtgärdat\x0b av kommunen."
    api.session.add(tip)
    [request] = await listed(api, "xml")
    assert request["status_notes"] == "Åtgärdat av kommunen."


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ({}, {"address": None, "address_id": None, "locality": "Forsheda"}),
        (
            {"lat": None, "long": None, "address_string": "Storgatan 1, Forsheda"},
            {"address": "Storgatan 1, Forsheda", "address_id": None, "location": None},
        ),
        (
            {"lat": None, "long": None, "address_id": "a1b2-77"},
            {"address": None, "address_id": "a1b2-77", "location": None},
        ),
    ],
)
async def test_a_request_is_filed_as_a_tip_through_the_intake(
    api: Api, place: dict[str, Any], expected: dict[str, Any]
) -> None:
    await api.categories()
    tip = await filed(api, **place)
    assert tip.source == "open311"
    assert tip.status == "received"
    assert tip.answers == {"why": ["lighting", "litter"], "when_unsafe": "dark"}
    assert {name: getattr(tip, name) for name in expected} == expected
    [event] = await api.outbox(RECEIVED)
    assert event.payload["data"]["source_type"] == "open311"
    assert "description" not in event.payload["data"]


async def test_a_multivaluelist_takes_one_or_many_values_and_a_choice_only_one(api: Api) -> None:
    await api.categories()
    tip = await filed(api, **{"attribute[why][]": None, "attribute[why]": "people"})
    assert tip.answers["why"] == ["people"]
    response = await post(api, **{"attribute[when_unsafe][]": ["dark", "always"]})
    assert errors(response, "json", 400) == ["attribute[when_unsafe]: takes one value."]
    response = await post(api, **{"attribute[why][]": ["lighting", "teleportation"]})
    [description] = errors(response, "json", 400)
    assert description.startswith("attribute[why]: ")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "not-the-key", "trygg-tips-development-open311-ke"])
async def test_a_missing_or_wrong_api_key_is_refused_with_403(
    api: Api, fmt: str, key: str | None
) -> None:
    await api.categories()
    described = errors(await post(api, fmt, api_key=key), fmt, 403)
    assert "api_key" in described[0]
    assert await tips_stored(api) == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"service_code": "no_such"}, 404, "service_code"),
        ({"service_code": "nul\x00"}, 404, "service_code"),
        ({"address_id": "a" * 101}, 400, "address_id"),
        ({"service_code": ""}, 400, "service_code"),
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "9999"}, 404, "jurisdiction_id"),
        ({"jurisdiction_id": "sfgov.org"}, 404, "jurisdiction_id"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"long": None}, 400, "lat/long"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "91"}, 400, "lat/long"),
        ({"description": "Mörkt <b>överallt</b>"}, 400, "description"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"email": "not an address"}, 400, "email"),
        ({"phone": "ring mig"}, 400, "phone"),
        ({"shoe_size": "44"}, 400, "shoe_size"),
        ({"service_code": ["unsafe_place", "other"]}, 400, "service_code"),
        ({"attribute[unknown]": "x"}, 400, "attribute[unknown]"),
    ],
)
async def test_a_bad_request_is_refused_in_the_spec_format_and_changes_nothing(
    api: Api, fmt: str, fields: dict[str, Any], status: int, named: str
) -> None:
    await api.categories()
    described = errors(await post(api, fmt, **fields), fmt, status)
    assert named in " ".join(described)
    assert await tips_stored(api) == 0
    assert await api.outbox() == []


async def test_text_that_only_looks_like_markup_is_kept(api: Api) -> None:
    await api.categories()
    tip = await filed(api, description="Fler än 3 < 5 personer, färre än 9 > 7.\nVarje kväll.")
    assert tip.description == "Fler än 3 < 5 personer, färre än 9 > 7.\nVarje kväll."
    without = await filed(api, description="")
    assert without.description == "(Skickat via Open311 utan beskrivning.)"


async def test_a_body_that_is_not_a_form_is_refused(api: Api) -> None:
    await api.categories()
    response = await api.client.post("/open311/v2/requests.xml", json=form())
    assert "form-urlencoded" in errors(response, "xml", 400)[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "fields",
    [
        {"service_code": "vandalism", "attribute[happening_now]": "yes"},
        {"service_code": "violence"},
    ],
)
async def test_an_emergency_is_not_filed_and_the_answer_says_to_call_112(
    api: Api, fmt: str, fields: dict[str, Any]
) -> None:
    await api.categories()
    unasked = {"attribute[why][]": None, "attribute[when_unsafe]": None}
    described = errors(await post(api, fmt, **unasked, **fields), fmt, 400)
    assert described == [intake.divert_message(Divert.EMERGENCY, "sv")]
    assert await tips_stored(api) == 0
    assert await api.outbox() == []


async def test_a_retry_with_the_same_idempotency_key_files_nothing_twice(api: Api) -> None:
    await api.categories()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await post(api, headers=key)
    again = await post(api, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert await tips_stored(api) == 1
    assert len(await api.outbox(RECEIVED)) == 1
    other = await post(api, headers=key, description="Något helt annat.")
    assert "Idempotency-Key" in errors(other, "json", 400)[0]
    fresh = await post(api, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert fresh.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert await tips_stored(api) == 2
    malformed = await post(api, "xml", headers={"Idempotency-Key": "two words"})
    assert "Idempotency-Key" in errors(malformed, "xml", 400)[0]


async def test_email_and_phone_become_the_contact_and_names_are_not_stored(api: Api) -> None:
    await api.categories()
    personal = {
        "first_name": "Greta",
        "last_name": "Gustafsson",
        "device_id": "device-4711",
        "account_id": "account-0815",
        "media_url": "https://example.se/bild.jpg",
    }
    tip = await filed(api, email="anna@example.se", phone="070-123 45 67", **personal)
    contact = await api.session.get(TipContact, tip.id)
    assert contact is not None
    assert (contact.email, contact.phone) == ("anna@example.se", "070-123 45 67")
    assert contact.consent_text.startswith("Open311 client development: ")
    assert contact.consent_text.endswith(intake.CONSENT_TEXT["sv"])
    owed = (await api.session.exec(select(TipFeedback))).all()
    assert [(f.tip_id, f.kind) for f in owed] == [(tip.id, "acknowledgement")]
    stored = f"{tip.model_dump()} {contact.model_dump()} {[e.payload for e in await api.outbox()]}"
    assert not [value for value in personal.values() if value in stored]
    anonymous = await filed(api)
    assert await api.session.get(TipContact, anonymous.id) is None


async def test_the_submission_rate_limit_applies(settings: Settings, session: AsyncSession) -> None:
    public = settings.public.model_copy(update={"submissions_per_minute": 1})
    app = create_app(settings.model_copy(update={"public": public}))
    use_session(app, session)
    await categories.install_defaults(session, HOME)
    async with api_client(app, address=client_address()) as client:
        api = Api(client, session)
        assert (await post(api)).status_code == 200
        refused = await post(api, "xml")
        errors(refused, "xml", 429)
        assert int(refused.headers["Retry-After"]) > 0
    await app.state.engine.dispose()
    assert await tips_stored(Api(client, session)) == 1


@pytest.fixture
async def published(api: Api) -> dict[str, Tip]:
    """Tips anyone may see, and two no one outside may: their words carry markers."""
    await api.categories()
    moderated = await filed(api, description="RAW-1 Per på Storgatan 4 langar.")
    moderated.redacted_description = "Langning vid en gata i Forsheda."
    plain = await filed(api, description="RAW-2 tunneln", email="anna@example.se")
    flagged = await filed(api, description="RAW-3 flaggad")
    flagged.restricted = True
    api.session.add_all([moderated, flagged])
    narcotics = await filed(
        api,
        service_code="narcotics",
        description="RAW-4 narkotika",
        **{"attribute[why][]": None, "attribute[when_unsafe]": None},
        **{"attribute[happening_now]": "no"},
    )
    return {"moderated": moderated, "plain": plain, "flagged": flagged, "narcotics": narcotics}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_restricted_tips_and_the_tipsters_words_never_appear(
    api: Api, published: dict[str, Tip], fmt: str
) -> None:
    response = await get(api, f"requests.{fmt}", jurisdiction_id=HOME)
    text = response.text
    assert "RAW-" not in text
    assert "anna@example.se" not in text
    requests = {r["service_request_id"]: r for r in parse(response, fmt, "service_requests")}
    assert set(requests) == {str(published["moderated"].id), str(published["plain"].id)}
    assert requests[str(published["moderated"].id)]["description"] == (
        "Langning vid en gata i Forsheda."
    )
    assert requests[str(published["plain"].id)]["description"] is None
    for hidden in ("flagged", "narcotics"):
        one = await get(api, f"requests/{published[hidden].id}.{fmt}", jurisdiction_id=HOME)
        errors(one, fmt, 404)
        asked = await get(
            api,
            f"requests.{fmt}",
            jurisdiction_id=HOME,
            service_request_id=str(published[hidden].id),
        )
        assert parse(asked, fmt, "service_requests") in ([], None)


async def test_the_place_is_the_centre_of_its_grid_square_and_no_address(
    api: Api, published: dict[str, Tip]
) -> None:
    tip = await filed(api, address_string="Storgatan 4, Forsheda")
    [request] = [r for r in await listed(api) if r["service_request_id"] == str(tip.id)]
    cell = await intake.grid_cell(api.session, geo.Point(type="Point", coordinates=FORSHEDA))
    assert (request["long"], request["lat"]) == cell.centre.coordinates
    assert (request["long"], request["lat"]) != FORSHEDA
    assert request["address"] is None
    assert request["media_url"] is None
    requested = datetime.fromisoformat(request["requested_datetime"])
    assert requested.minute == requested.second == 0
    assert requested.hour % 3 == 0


async def test_status_notes_and_agency_show_what_staff_made_public(
    api: Api, published: dict[str, Tip]
) -> None:
    moderated, plain = published["moderated"], published["plain"]
    moderated.status, moderated.public_note = "closed", "Polisen har ökat närvaron."
    moderated.assigned_to, moderated.closed_at = "police", utcnow()
    plain.assigned_to = "dept:0683:gata"
    api.session.add_all([moderated, plain])
    requests = {r["service_request_id"]: r for r in await listed(api)}
    closed, open_ = requests[str(moderated.id)], requests[str(plain.id)]
    assert (closed["status"], closed["status_notes"]) == ("closed", "Polisen har ökat närvaron.")
    assert closed["agency_responsible"] == "Polisen"
    assert (open_["status"], open_["agency_responsible"]) == ("open", "dept:0683:gata")
    other = await filed(api)
    assert (await listed(api))[0]["service_request_id"] == str(other.id)
    assert (await listed(api))[0]["agency_responsible"] == "Värnamo kommun"
    assert [r["service_request_id"] for r in await listed(api, status="closed")] == [
        str(moderated.id)
    ]
    assert len(await listed(api, status="open,closed")) == 3
    assert len(await listed(api, status="")) == 3
    errors(await get(api, "requests.json", jurisdiction_id=HOME, status="fixed"), "json", 400)


async def test_another_municipalitys_tips_never_appear(api: Api) -> None:
    await api.categories()
    await api.categories(OTHER)
    home = await filed(api)
    other = await filed(api, jurisdiction_id=OTHER)
    assert [r["service_request_id"] for r in await listed(api)] == [str(home.id)]
    ids = f"{home.id},{other.id}"
    assert [r["service_request_id"] for r in await listed(api, service_request_id=ids)] == [
        str(home.id)
    ]
    errors(await get(api, f"requests/{other.id}.json", jurisdiction_id=HOME), "json", 404)
    found = await get(api, f"requests/{other.id}.json", jurisdiction_id=OTHER)
    assert found.json()[0]["agency_responsible"] == "Gislaved kommun"
    errors(await get(api, "requests.json"), "json", 400)
    errors(await get(api, "requests.json", jurisdiction_id=""), "json", 400)
    errors(await get(api, "requests.xml", jurisdiction_id="0999"), "xml", 404)
    errors(await get(api, f"requests/{home.id}.json"), "json", 400)
    errors(await get(api, "requests/not-a-uuid.xml", jurisdiction_id=HOME), "xml", 404)


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_the_date_window_defaults_to_90_days_and_spans_at_most_90(api: Api) -> None:
    await api.categories()
    now = utcnow()
    ages = {}
    for days in (10, 100, 200):
        tip = await filed(api)
        tip.created_at = tip.updated_at = now - timedelta(days=days)
        api.session.add(tip)
        ages[days] = str(tip.id)

    async def ids(**params: str) -> list[str]:
        return [r["service_request_id"] for r in await listed(api, **params)]

    assert await ids() == [ages[10]]
    assert await ids(start_date="", end_date="") == [ages[10]]
    assert await ids(start_date=w3c(now - timedelta(days=120))) == [ages[100]]
    assert await ids(end_date=w3c(now - timedelta(days=95))) == [ages[100]]
    both = {
        "start_date": w3c(now - timedelta(days=210)),
        "end_date": w3c(now - timedelta(days=150)),
    }
    assert await ids(**both) == [ages[200]]
    everything = ",".join(ages.values())
    assert sorted(await ids(service_request_id=everything, **both)) == sorted(ages.values())
    assert await ids(service_code="other,lighting") == []
    assert await ids(service_code="unsafe_place") == [ages[10]]
    assert await ids(service_code="unsafe_place\x00") == []
    local = (now - timedelta(days=12)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    unescaped = f"/open311/v2/requests.json?jurisdiction_id={HOME}&start_date={local}"
    assert [r["service_request_id"] for r in (await api.client.get(unescaped)).json()] == [ages[10]]
    for bad in [
        {"start_date": w3c(now - timedelta(days=120)), "end_date": w3c(now)},
        {"start_date": w3c(now), "end_date": w3c(now - timedelta(days=1))},
        {"start_date": "2026-12-01"},
        {"end_date": "2026-12-01T00:00:00"},
        {"service_request_id": "42"},
    ]:
        described = errors(
            await get(api, "requests.json", jurisdiction_id=HOME, **bad), "json", 400
        )
        assert set(bad) & {d.split(":")[0].split(",")[0] for d in described}, described


async def test_at_most_1000_requests_newest_first(api: Api) -> None:
    await api.categories()
    now = utcnow()
    place = geo.to_db(geo.Point(type="Point", coordinates=FORSHEDA))
    tips = [
        Tip(
            municipality_code=HOME,
            category_code="other",
            source="public",
            description="Bulk",
            location=place,
            created_at=now - timedelta(minutes=n),
            updated_at=now - timedelta(minutes=n),
        )
        for n in range(1001)
    ]
    api.session.add_all(tips)
    await api.session.flush()
    requests = await listed(api)
    assert len(requests) == 1000
    assert requests[0]["service_request_id"] == str(tips[0].id)
    assert str(tips[-1].id) not in {r["service_request_id"] for r in requests}
    times = [datetime.fromisoformat(r["requested_datetime"]) for r in requests]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("method", "path", "fmt", "status"),
    [
        ("GET", "services.html?jurisdiction_id=0683", "xml", 404),
        ("GET", "services.XML?jurisdiction_id=0683", "xml", 404),
        ("GET", "nothing.json", "json", 404),
        ("GET", "tokens/12345.json?jurisdiction_id=0683", "json", 404),
        ("GET", "services/no_such.xml?jurisdiction_id=0683", "xml", 404),
        ("GET", "services/no_such.xml", "xml", 400),
        ("GET", "services/nul%00.json?jurisdiction_id=0683", "json", 404),
        ("DELETE", "requests.json", "json", 405),
        ("POST", "services.xml", "xml", 405),
    ],
)
async def test_what_is_not_offered_is_answered_in_the_spec_format(
    api: Api, method: str, path: str, fmt: str, status: int
) -> None:
    await api.categories()
    response = await api.client.request(method, f"/open311/v2/{path}")
    errors(response, fmt, status)
    if status == 405:
        assert "GET" in response.headers["Allow"]


async def test_other_routes_keep_their_problem_responses(api: Api) -> None:
    for path, status in [
        ("/public/0683/categories/nothing", 404),
        ("/public/06x3/categories", 422),
    ]:
        response = await api.client.get(path)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"


async def test_the_routes_are_documented_in_both_formats(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    operations = [
        (path, op)
        for path, ops in paths.items()
        if path.startswith("/open311/")
        for op in ops.values()
    ]
    assert len(operations) == 6
    for path, operation in operations:
        assert operation["summary"], path
        assert operation["tags"] == ["open311"]
        for status in ("200", "400", "404"):
            content = operation["responses"][status]["content"]
            assert {"application/json", "text/xml"} <= set(content), (path, status)
        assert "422" not in operation["responses"]
    assert "tokens" not in str(list(paths))


async def test_an_open311_client_files_a_tip_and_follows_it(api: Api) -> None:
    """A plain client in XML: discovery, services, a definition, POST, then the request."""
    await api.categories()
    discovery = ET.fromstring((await api.client.get("/open311/v2/discovery.xml")).content)
    endpoint = discovery.findtext("endpoints/endpoint/url") or ""
    base = endpoint.removeprefix("https://tips.example.se")
    jurisdiction = {"jurisdiction_id": HOME}
    services = ET.fromstring(
        (await api.client.get(f"{base}/services.xml", params=jurisdiction)).content
    )
    chosen = next(s for s in services if s.findtext("service_code") == "vandalism")
    assert chosen.findtext("metadata") == "true"
    code = chosen.findtext("service_code")
    definition = ET.fromstring(
        (await api.client.get(f"{base}/services/{code}.xml", params=jurisdiction)).content
    )
    fields = {
        "api_key": DEV_OPEN311_KEY,
        "service_code": code,
        "lat": "57.1661",
        "long": "13.8262",
        "description": "Krossad busskur vid torget.",
        **jurisdiction,
    }
    for attribute in definition.iter("attribute"):
        if attribute.findtext("required") == "true":
            fields[f"attribute[{attribute.findtext('code')}]"] = attribute.findall(
                "values/value/key"
            )[-1].text
    posted = await api.client.post(f"{base}/requests.xml", data=fields)
    assert posted.status_code == 200, posted.text
    request_id = ET.fromstring(posted.content).findtext("request/service_request_id")
    assert ET.fromstring(posted.content).findtext("request/service_notice")
    followed = await api.client.get(f"{base}/requests/{request_id}.xml", params=jurisdiction)
    request = ET.fromstring(followed.content).find("request")
    assert request is not None
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "vandalism"
    assert request.findtext("service_name") == "Skadegörelse"
    tip = await api.tip(str(request_id))
    assert tip is not None
    assert tip.answers == {"happening_now": "no"}
