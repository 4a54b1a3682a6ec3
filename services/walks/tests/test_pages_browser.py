"""The public pages in a real browser: Debian's Chromium at a phone's width (390 px), driven
by Selenium, against the app served over HTTP by uvicorn. The content is the long kind (many
places, long Swedish texts, words wider than the phone, stored text that looks like markup),
committed for real, so the test removes the rows it made."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import browserkit
from page_content import conducted, published_protocol, withdrawn_plan
from walks.app import create_app
from walks.config import Settings
from walks_testkit import unique_locality

pytestmark = pytest.mark.service

PHONE_WIDTH = browserkit.PHONE_WIDTH
WAIT_S = 20
# The right edge of the element that reaches furthest: a word that did not wrap shows here.
RIGHTMOST = (
    "return Math.max(...Array.from(document.querySelectorAll('body *'))"
    ".map(e => e.getBoundingClientRect().right))"
)


@dataclass(frozen=True)
class Committed:
    walk_id: str
    plan_id: str


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[str]:
    """The walks app over HTTP on a free port of 127.0.0.1."""
    with browserkit.served(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with browserkit.phone_browser() as driver:
        yield driver


@pytest.fixture
async def committed(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> AsyncIterator[Committed]:
    """A walk with eight observations and its published protocol, and a withdrawn plan."""
    walk_id = await conducted(committing_client, unique_locality(), observations=8)
    await published_protocol(committing_client, walk_id)
    plan_id = await withdrawn_plan(committing_client, unique_locality())
    try:
        yield Committed(walk_id, plan_id)
    finally:
        await _remove(engine, walk_id, plan_id)


async def _remove(engine: AsyncEngine, walk_id: str, plan_id: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM action_plan WHERE id = :id"), {"id": plan_id})
        for table in ("protocol", "observation", "participant"):
            await conn.execute(text(f"DELETE FROM {table} WHERE walk_id = :id"), {"id": walk_id})
        await conn.execute(text("DELETE FROM walk WHERE id = :id"), {"id": walk_id})
        await conn.execute(
            text("DELETE FROM outbox WHERE aggregateid IN (:walk, :plan)"),
            {"walk": walk_id, "plan": plan_id},
        )


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT_S).until(seen.presence_of_element_located((By.TAG_NAME, "h1")))


def _assert_fits_the_phone(driver: WebDriver) -> None:
    viewport = int(driver.execute_script("return window.innerWidth"))
    assert viewport == PHONE_WIDTH
    assert browserkit.scroll_width(driver) <= viewport
    assert float(driver.execute_script(RIGHTMOST)) <= viewport
    # Stored markup stayed text: nothing ran, nothing was loaded.
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []


def _assert_map_fits(driver: WebDriver) -> None:
    drawn = driver.find_element(By.CSS_SELECTOR, "svg.map")
    assert drawn.get_attribute("role") == "img"
    assert 300 < drawn.rect["width"] <= PHONE_WIDTH


@pytest.mark.parametrize(
    "path", ["/public/walks/{walk}.html", "/public/walks/{walk}/protocol.html"]
)
async def test_a_long_walk_and_protocol_fit_a_phone(
    browser: WebDriver, served: str, committed: Committed, path: str
) -> None:
    _open(browser, served + path.format(walk=committed.walk_id))
    _assert_fits_the_phone(browser)
    _assert_map_fits(browser)
    body = browser.find_element(By.TAG_NAME, "body")
    assert float(body.value_of_css_property("font-size").removesuffix("px")) >= 16


async def test_the_protocols_places_are_cards_on_a_phone(
    browser: WebDriver, served: str, committed: Committed
) -> None:
    _open(browser, f"{served}/public/walks/{committed.walk_id}/protocol.html")
    cards = browser.find_elements(By.CSS_SELECTOR, ".cards > li")
    assert len(cards) == 8
    for card in cards:
        assert card.rect["x"] >= 0
        assert card.rect["x"] + card.rect["width"] <= PHONE_WIDTH
        assert "Trygghet för" in card.text
    markers = browser.find_elements(By.CSS_SELECTOR, "svg.map .marker:not(.stop) text")
    assert [m.text for m in markers] == [str(n) for n in range(1, 9)]


async def test_a_withdrawn_plan_shows_its_banner_first_and_strikes_its_measures(
    browser: WebDriver, served: str, committed: Committed
) -> None:
    _open(browser, f"{served}/public/action-plans/{committed.plan_id}.html")
    _assert_fits_the_phone(browser)
    _assert_map_fits(browser)

    banner = browser.find_element(By.CLASS_NAME, "banner")
    assert banner.is_displayed()
    assert banner.text.startswith("Planen är återkallad\nPlanen återkallades den ")
    assert "Skäl: Ersätts av den kommunövergripande planen för" in banner.text
    # The page's style applies: its Content-Security-Policy lets exactly that style in.
    assert banner.value_of_css_property("background-color") == "rgba(253, 236, 234, 1)"
    # Above the fold of an 844 px phone, before the measures.
    first_measure = browser.find_element(By.CSS_SELECTOR, ".cards > li")
    assert banner.rect["y"] < 844
    assert banner.rect["y"] < first_measure.rect["y"]

    struck = browser.find_elements(By.CSS_SELECTOR, ".cards > li.struck h3 del")
    assert len(struck) == 3
    for title in struck:
        assert "line-through" in title.value_of_css_property("text-decoration-line")
    for measure in browser.find_elements(By.CSS_SELECTOR, ".cards > li"):
        assert "Genomförs inte: planen är återkallad." in measure.text
