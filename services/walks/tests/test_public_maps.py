"""The inline maps, the subscribe link and the contact setting, without a database: the
projection, and pages built from geometry that is missing or degenerate."""

import math
import re
import uuid
from datetime import UTC, datetime

import pytest

from shared import geo
from walks.config import Settings
from walks.protocols.schemas import PublicProtocol
from walks.public.follow import Follow, follow, municipality, subscribe_url
from walks.public.maps import MAX_HEIGHT, MIN_HEIGHT, WIDTH, Layers, Marker, fit, letter, svg_map
from walks.public.pages import plan_page, protocol_page
from walks.public.schemas import PublicPlan
from walks_testkit import FORSHEDA, square

pytestmark = pytest.mark.unit

ABOUT = Follow("Värnamo", None, "https://notify.example.se/subscribe/0683?locality=Forsheda")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _inside_the_view_box(svg: str) -> None:
    width, height = map(float, re.findall(r'viewBox="0 0 (\S+) (\S+)"', svg)[0])
    shapes = svg.split("</title>", 1)[1]
    for attribute in re.findall(r'(?:points|d|cx|cy|x|y)="([^"]*)"', shapes):
        for number in map(float, NUMBER.findall(attribute)):
            assert math.isfinite(number)
            assert 0 <= number <= max(width, height)


class TestProjection:
    def test_a_degree_of_longitude_is_shortened_by_the_cosine_of_the_latitude(self) -> None:
        project = fit([(13.0, 60.0), (13.01, 60.01)])
        (x0, y0), (x1, y1) = project((13.0, 60.0)), project((13.01, 60.01))
        # At 60° a degree of longitude is half a degree of latitude; north is up.
        assert (x1 - x0) / (y0 - y1) == pytest.approx(0.5, rel=0.01)

    def test_a_wide_area_fills_the_width_and_a_tall_one_the_height(self) -> None:
        wide = fit([(13.0, 57.0), (13.1, 57.01)])
        assert wide((13.1, 57.0))[0] - wide((13.0, 57.0))[0] == pytest.approx(WIDTH - 56, abs=1)
        assert wide.height == MIN_HEIGHT
        tall = fit([(13.0, 57.0), (13.001, 57.1)])
        assert tall.height == MAX_HEIGHT

    @pytest.mark.parametrize(
        "layers",
        [
            Layers(markers=[Marker(FORSHEDA, "1", "En plats")]),
            Layers(lines=[[FORSHEDA, FORSHEDA]]),
            Layers(lines=[[(13.8, 57.1), (13.8, 57.2)]]),  # due north: no width at all
            Layers(lines=[[FORSHEDA]], markers=[Marker((13.8, 89.99), "A", "Nära polen")]),
            Layers(areas=[[[(13.8, 57.1), (13.8, 57.1), (13.8, 57.1), (13.8, 57.1)]]]),
        ],
    )
    def test_degenerate_geometry_still_makes_a_map(self, layers: Layers) -> None:
        svg = svg_map(layers, "Karta")
        assert svg.startswith('<svg class="map"')
        _inside_the_view_box(svg)

    def test_nothing_to_draw_is_no_map(self) -> None:
        assert svg_map(Layers(), "Karta") == ""

    def test_labels_and_titles_are_escaped(self) -> None:
        svg = svg_map(Layers(markers=[Marker(FORSHEDA, "<1>", "</title><script>")]), "<b>")
        assert "<script>" not in svg
        assert "<b>" not in svg
        assert 'aria-label="&lt;b&gt;"' in svg
        assert "<title>&lt;/title&gt;&lt;script&gt;</title>" in svg

    def test_letters_go_on_as_an_alphabetic_list_does(self) -> None:
        assert [letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
            "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
        ]  # fmt: skip


def _plan(**changes: object) -> PublicPlan:
    plan = PublicPlan.model_validate(
        {
            "id": uuid.uuid4(),
            "municipality_code": "0683",
            "locality": "Forsheda",
            "title": "Planen",
            "public_summary": "Sammanfattning.",
            "affected_area": {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]},
            "buffer_m": 100,
            "status": "published",
            "revision": 1,
            "revision_note": None,
            "published_at": datetime(2026, 11, 1, tzinfo=UTC),
            "revised_at": None,
            "withdrawn_at": None,
            "withdrawal_reason": None,
            "measures": [],
            "protocol_url": None,
            "public_url": "https://trygg.example.se/walks/public/action-plans/x.html",
        }
    )
    return plan.model_copy(update=changes)


class TestPagesOfDegenerateGeometry:
    def test_a_plan_without_an_area_has_no_map_and_still_renders(self) -> None:
        page = plan_page(_plan(affected_area=None), ABOUT)
        assert "<svg" not in page
        assert "Planen har inga åtgärder." in page

    def test_a_protocol_with_a_one_point_route_and_no_places(self) -> None:
        protocol = PublicProtocol.model_validate(
            {
                "walk_id": uuid.uuid4(),
                "municipality_code": "0683",
                "locality": "Forsheda",
                "title": "Vandringen",
                "starts_at": datetime(2026, 10, 14, 16, tzinfo=UTC),
                "conducted_at": datetime(2026, 10, 14, 18, tzinfo=UTC),
                "light_condition": "after_dark",
                "area": square(),
                "route": None,
                "stops": [],
                "participants_by_role": {},
                "observations": [],
                "summary": None,
                "closing_meeting_notes": None,
                "published_at": None,
                "follows_up_walk_id": None,
                "public_url": "https://x.example/p.html",
                "data_url": "https://x.example/p",
            }
        )
        one_point = geo.LineString.model_construct(type="LineString", coordinates=[FORSHEDA])
        page = protocol_page(protocol.model_copy(update={"route": one_point}), ABOUT)
        assert '<path class="area"' in page
        assert "<polyline" not in page
        assert "Inga observationer registrerades." in page


class TestFollowing:
    def test_a_municipality_without_a_known_name_is_shown_by_its_code(self) -> None:
        assert municipality("0683") == "Värnamo"
        assert municipality("2584") == "kommunkod 2584"

    def test_the_subscribe_link_encodes_the_locality(self) -> None:
        assert (
            subscribe_url("http://127.0.0.1:8004/", "0683", "Väster om ån/Öst")
            == "http://127.0.0.1:8004/subscribe/0683?locality=V%C3%A4ster%20om%20%C3%A5n%2F%C3%96st"
        )

    def test_contacts_and_notifys_address_are_read_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("WALKS_NOTIFY_PUBLIC_BASE_URL", "https://trygg.example.se/notify")
        monkeypatch.setenv(
            "WALKS_PUBLIC__CONTACTS",
            '{"0662": {"name": "Gislaveds kommun, trygghetssamordnaren", "phone": "0371-810 00"}}',
        )
        about = follow(Settings(), "0662", "Anderstorp")
        assert about.contact is not None
        assert about.contact.phone == "0371-810 00"
        assert about.subscribe_url == (
            "https://trygg.example.se/notify/subscribe/0662?locality=Anderstorp"
        )
        assert follow(Settings(), "0683", "Forsheda").contact is None

    def test_by_default_the_link_goes_to_the_development_notify(self) -> None:
        assert Settings().notify_public_base_url == "http://127.0.0.1:8004"
