"""The public page of a promise in a real browser: Debian's Chromium at a phone's width,
driven by Selenium, against the patrols app served over HTTP on a database of its own."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from patrols_testkit import HOME, token
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from test_promise_progress import commitment

import browserkit
from patrols.app import create_app
from patrols.config import Settings
from shared.settings import DatabaseSettings
from shared.testing import TestStack, migrate, recreate_database

pytestmark = pytest.mark.service

PROMISE = {
    "title": "Medborgarlöfte Värnamo 2027",
    "police_area": "Lokalpolisområde Värnamo",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "focus_areas": ["närvaro", "narkotika bland unga"],
    "commitments": [
        commitment("walks_held") | {"title": "Trygghetsvandringar i Forsheda och Bredaryd"},
        commitment("manual") | {"title": "Föräldravandringar och skolbesök om narkotika"},
    ],
}


@pytest.fixture(scope="module")
def served(settings: Settings, stack: TestStack) -> Iterator[str]:
    url = asyncio.run(_database(stack))
    with browserkit.served(
        create_app(settings.model_copy(update={"db": DatabaseSettings(url=url)}))
    ) as base:
        yield base


async def _database(stack: TestStack) -> str:
    url = await recreate_database(stack, "patrols_browser")
    await migrate("patrols", url)
    return url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with browserkit.phone_browser() as driver:
        yield driver


def _signed_promise(base: str) -> str:
    with httpx.Client(base_url=base, headers=token()) as staff:
        drafted = staff.post(f"/municipalities/{HOME}/promises", json=PROMISE)
        assert drafted.status_code == 201, drafted.text
        signed = staff.post(f"/promises/{drafted.json()['id']}/sign")
        assert signed.status_code == 200, signed.text
        return str(drafted.json()["id"])


def test_a_resident_reads_the_promise_on_a_phone(browser: WebDriver, served: str) -> None:
    promise_id = _signed_promise(served)
    browser.get(f"{served}/public/promises/{promise_id}.html")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "Medborgarlöfte Värnamo 2027" in heading
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Trygghetsvandringar i Forsheda och Bredaryd" in page
    assert "Föräldravandringar och skolbesök om narkotika" in page
    assert browserkit.scroll_width(browser) <= browserkit.PHONE_WIDTH, "no sideways scrolling"


def test_a_draft_promise_has_no_public_page(browser: WebDriver, served: str) -> None:
    with httpx.Client(base_url=served, headers=token()) as staff:
        drafted = staff.post(f"/municipalities/{HOME}/promises", json=PROMISE)
    browser.get(f"{served}/public/promises/{drafted.json()['id']}.html")
    assert "Medborgarlöfte Värnamo 2027" not in browser.find_element(By.TAG_NAME, "body").text
