"""The public pages' HTML: withdrawal shown at the top, maps instead of coordinates, the
municipality by name with its own contact and subscribe link, and stored text escaped."""

import re

import pytest

from page_content import (
    HOSTILE,
    LONG_WORD,
    WITHDRAWAL,
    conducted,
    published_protocol,
    visible_text,
    withdrawn_plan,
)
from walks_testkit import (
    HOME_CONTACT,
    NOTIFY,
    OTHER,
    Api,
    plan_body,
    square,
    token,
    unique_locality,
)

pytestmark = pytest.mark.service

# A WGS84 coordinate as text: what the pages must not show residents.
COORDINATE = re.compile(r"\b\d{1,3}\.\d{4,}\b")


async def _page(api: Api, path: str) -> str:
    response = await api.client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _measure_cards(page: str) -> list[str]:
    section = page.split("<h2>Åtgärder</h2>", 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li[ >].*?</li>", section)


class TestWithdrawnPlan:
    async def test_the_withdrawal_and_its_reason_come_first(self, api: Api) -> None:
        plan_id = await withdrawn_plan(api.client, unique_locality())
        page = await _page(api, f"/public/action-plans/{plan_id}.html")

        banner = re.search(r'<section class="banner" role="status">(.*?)</section>', page)
        assert banner is not None
        assert "<h2>Planen är återkallad</h2>" in banner[1]
        assert f"Skäl: {WITHDRAWAL}" in visible_text(banner[1])
        # Right under the title, before the summary, the facts and the measures.
        assert page.index("</h1>") < banner.start() < page.index("<dl>")
        assert "<dt>Status</dt><dd>återkallad</dd>" in page

    async def test_its_open_measures_are_struck_and_said_not_to_happen(self, api: Api) -> None:
        plan_id = await withdrawn_plan(api.client, unique_locality())
        page = await _page(api, f"/public/action-plans/{plan_id}.html")

        cards = _measure_cards(page)
        assert len(cards) == 3
        for card in cards:
            assert card.startswith('<li class="struck"><h3><del>')
            assert "<dd>Genomförs inte: planen är återkallad.</dd>" in card
        assert "föreslagen" not in page

    async def test_a_measure_done_before_the_withdrawal_stays_done(self, api: Api) -> None:
        plan = await api.published_plan()
        [measure] = plan["measures"]
        status = f"/action-plans/{plan['id']}/measures/{measure['id']}/status"
        for step in ("accepted", "done"):
            await api.post(status, {"status": step})
        await api.post(f"/action-plans/{plan['id']}/withdraw", {"reason": "Ersatt."})

        [card] = _measure_cards(await _page(api, f"/public/action-plans/{plan['id']}.html"))
        assert "<del>" not in card
        assert "<dd>genomförd</dd>" in card

    async def test_a_current_plan_has_no_banner_and_nothing_struck(self, api: Api) -> None:
        plan = await api.published_plan()
        page = await _page(api, f"/public/action-plans/{plan['id']}.html")
        assert 'class="banner"' not in page
        assert "<del>" not in page
        assert "<dt>Status</dt><dd>föreslagen</dd>" in page
        assert "<dt>Status</dt><dd>gällande</dd>" in page


class TestStoredText:
    async def test_hostile_and_long_text_is_escaped_on_every_page(self, api: Api) -> None:
        walk_id = await conducted(api.client, unique_locality(), observations=3)
        await published_protocol(api.client, walk_id)
        plan_id = await withdrawn_plan(api.client, unique_locality())

        for path in (
            f"/public/walks/{walk_id}.html",
            f"/public/walks/{walk_id}/protocol.html",
            f"/public/action-plans/{plan_id}.html",
        ):
            page = await _page(api, path)
            assert "<script" not in page
            assert "<img" not in page
            assert LONG_WORD in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert HOSTILE in visible_text(page)  # shown as the text it is


class TestMaps:
    async def test_the_plan_draws_its_area(self, api: Api) -> None:
        plan = await api.published_plan()
        page = await _page(api, f"/public/action-plans/{plan['id']}.html")
        svg = re.search(
            r'<svg class="map"[^>]*aria-label="([^"]+)"[^>]*><title>([^<]+)</title>', page
        )
        assert svg is not None
        assert svg[1] == svg[2] == "Karta över området som planen gäller i Forsheda"
        assert re.search(r'<path class="area" d="M[0-9., ]+Z"/>', page)
        assert "200 m runt det" in page
        assert not COORDINATE.search(visible_text(page))

    async def test_the_walk_draws_its_route_stops_and_meeting_point(self, api: Api) -> None:
        walk = await api.walk()
        page = await _page(api, f"/public/walks/{walk['id']}.html")
        assert '<polyline class="route" points="' in page
        assert "<title>A: Stationen</title>" in page  # the first stop, as in the list
        assert '<ol type="A"><li>Stationen' in page
        assert re.search(
            r"<title>Samling: Skolans entré</title><circle [^>]+/><text [^>]+>S<", page
        )
        assert not COORDINATE.search(visible_text(page))

    async def test_a_walk_without_a_route_still_gets_its_map(self, api: Api) -> None:
        walk = await api.walk(route=None, stops=[])
        page = await _page(api, f"/public/walks/{walk['id']}.html")
        assert '<path class="area"' in page
        assert "<polyline" not in page

    async def test_the_protocol_numbers_its_places_as_its_list_does(self, api: Api) -> None:
        walk_id = await conducted(api.client, unique_locality(), observations=4)
        await published_protocol(api.client, walk_id)
        page = await _page(api, f"/public/walks/{walk_id}/protocol.html")

        listed = re.findall(r'<span class="number">(\d+)</span>', page)
        drawn = re.findall(r'<g class="marker (?:positive|negative)"><title>(\d+):', page)
        assert listed == drawn == ["1", "2", "3", "4"]
        assert "<table" not in page
        assert "<dt>Trygghet för</dt>" in page
        assert not COORDINATE.search(visible_text(page))


class TestFollowing:
    async def test_pages_name_the_municipality_its_contact_and_where_to_subscribe(
        self, api: Api
    ) -> None:
        walk = await api.published_walk()
        plan = await api.published_plan()
        subscribe = f'href="{NOTIFY}/subscribe/0683?locality=Forsheda"'
        for path in (
            f"/public/walks/{walk['id']}.html",
            f"/public/walks/{walk['id']}/protocol.html",
            f"/public/action-plans/{plan['id']}.html",
        ):
            page = await _page(api, path)
            assert "<dt>Kommun</dt><dd>Värnamo</dd>" in page
            assert HOME_CONTACT.name in page
            assert f'href="mailto:{HOME_CONTACT.email}"' in page
            assert 'href="tel:0370377000"' in page
            assert subscribe in page

    async def test_the_locality_is_encoded_in_the_subscribe_link(self, api: Api) -> None:
        plan = await api.published_plan(locality="Åsen & Skeppet")
        page = await _page(api, f"/public/action-plans/{plan['id']}.html")
        assert f'href="{NOTIFY}/subscribe/0683?locality=%C3%85sen%20%26%20Skeppet"' in page

    async def test_another_municipality_gets_its_own_name_and_not_homes_contact(
        self, api: Api
    ) -> None:
        theirs = token(municipalities=[OTHER])
        plan = await api.post(
            "/action-plans",
            plan_body(
                municipality_code=OTHER,
                locality="Gislaved centrum",
                affected_area=square(13.68, 57.3),
            ),
            201,
            headers=theirs,
        )
        await api.post(f"/action-plans/{plan['id']}/publish", None, headers=theirs)
        page = await _page(api, f"/public/action-plans/{plan['id']}.html")
        assert "<dt>Kommun</dt><dd>Gislaved</dd>" in page
        assert f"{NOTIFY}/subscribe/0662?locality=Gislaved%20centrum" in page
        assert "Frågor besvaras av kommunen (Gislaved)." in page
        assert HOME_CONTACT.name not in page
        assert "varnamo.example.se" not in page
