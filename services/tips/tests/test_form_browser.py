"""The tip form in a real browser: Debian's Chromium at a phone's width, driven by Selenium,
against the app served over HTTP by uvicorn. The browser's requests commit for real, so the
test removes the rows it made."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from committed import install_categories, remove_everything_of
from photo_files import CAMERA_MAKE, camera_jpeg, read
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import browserkit
from tips import tables  # noqa: F401  (every model: a tip's mapper needs the dialogue table)
from tips.app import create_app
from tips.categories.models import Category
from tips.config import Settings
from tips.photos.models import TipPhoto
from tips.tips.models import Tip

pytestmark = pytest.mark.service

PHONE_WIDTH = browserkit.PHONE_WIDTH
# Vaggeryd: a municipality no other test gives categories to.
MUNICIPALITY = "0665"
LOCALITY = "Vaggeryd centrum"
WAIT_S = 20


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[str]:
    """The tips app over HTTP on a free port of 127.0.0.1."""
    with browserkit.served(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with browserkit.phone_browser() as driver:
        yield driver


@pytest.fixture
async def categories_in_use(engine: AsyncEngine) -> AsyncIterator[None]:
    """The municipality's default categories, committed; removed again afterwards with every
    tip the browser sent."""
    await install_categories(engine, MUNICIPALITY)
    try:
        yield
    finally:
        await remove_everything_of(engine, MUNICIPALITY)


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_S)


def _widths(driver: WebDriver) -> tuple[int, int]:
    widths = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    return int(widths[0]), int(widths[1])


def _click_label(driver: WebDriver, element: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'label[for="{element}"]').click()


async def _stored(engine: AsyncEngine, tip_id: uuid.UUID) -> tuple[Tip | None, list[TipPhoto]]:
    async with AsyncSession(engine) as session:
        tip = await session.get(Tip, tip_id)
        photos = await session.exec(select(TipPhoto).where(col(TipPhoto.tip_id) == tip_id))
        return tip, list(photos)


@pytest.mark.usefixtures("categories_in_use")
async def test_a_resident_sends_a_tip_with_a_photo_from_a_phone(
    browser: WebDriver, served: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    photo = tmp_path / "tunneln.jpg"
    photo.write_bytes(camera_jpeg((800, 600)))

    browser.get(f"{served}/public/{MUNICIPALITY}/tips/new")
    _wait(browser).until(seen.presence_of_element_located((By.ID, "category-vandalism")))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    urgent = browser.find_element(By.CLASS_NAME, "urgent")
    assert urgent.text == "Vid akuta händelser \N{EN DASH} ring 112"
    # The page's style applies: its Content-Security-Policy lets exactly that style in.
    assert urgent.value_of_css_property("background-color") == "rgba(253, 236, 234, 1)"
    assert _widths(browser) == (PHONE_WIDTH, PHONE_WIDTH)

    _click_label(browser, "category-vandalism")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(browser).until(seen.presence_of_element_located((By.ID, "description")))
    assert "Klotter på privata fastigheter" in browser.find_element(By.CLASS_NAME, "notice").text
    scroll_width, viewport = _widths(browser)
    assert scroll_width <= PHONE_WIDTH == viewport
    tip_id = uuid.UUID(browser.find_element(By.NAME, "id").get_attribute("value"))

    browser.find_element(By.ID, "description").send_keys("Någon har sprejat på busskuren.")
    Select(browser.find_element(By.ID, "locality")).select_by_visible_text(LOCALITY)
    _click_label(browser, "answer-happening_now-no")
    browser.find_element(By.ID, "photos").send_keys(str(photo))
    browser.find_element(By.ID, "send").click()

    _wait(browser).until(seen.title_is("Tack för ditt tips"))
    assert browser.find_element(By.CLASS_NAME, "ref").text == str(tip_id)
    assert _widths(browser)[0] <= PHONE_WIDTH

    tip, photos = await _stored(engine, tip_id)
    assert tip is not None
    assert (tip.municipality_code, tip.category_code, tip.source) == (
        MUNICIPALITY,
        "vandalism",
        "public",
    )
    assert (tip.description, tip.locality) == ("Någon har sprejat på busskuren.", LOCALITY)
    assert tip.answers == {"happening_now": "no"}
    [stored] = photos
    assert (stored.width, stored.height) == (800, 600)
    assert dict(read(stored.content).getexif()) == {}
    assert CAMERA_MAKE.encode() not in stored.content


@pytest.mark.usefixtures("categories_in_use")
async def test_an_urgent_answer_in_the_browser_says_to_call_112(
    browser: WebDriver, served: str, engine: AsyncEngine
) -> None:
    browser.get(f"{served}/public/{MUNICIPALITY}/tips/new?lang=en&category=gathering")
    _wait(browser).until(seen.presence_of_element_located((By.ID, "description")))
    browser.find_element(By.ID, "description").send_keys("A fight outside the kiosk, now.")
    Select(browser.find_element(By.ID, "locality")).select_by_visible_text(LOCALITY)
    _click_label(browser, "answer-happening_now-yes")
    browser.find_element(By.ID, "send").click()

    _wait(browser).until(seen.title_is("Call 112"))
    call = browser.find_element(By.CSS_SELECTOR, ".call a")
    assert call.get_attribute("href") == "tel:112"
    assert "The tip was not sent." in browser.find_element(By.TAG_NAME, "main").text
    async with AsyncSession(engine) as session:
        sent = await session.exec(select(Tip).where(Tip.municipality_code == MUNICIPALITY))
        assert sent.all() == []
    async with AsyncSession(engine) as session:
        offered = await session.exec(
            select(Category).where(Category.municipality_code == MUNICIPALITY)
        )
        assert offered.all()  # the categories were there: the form was refused, not missing
