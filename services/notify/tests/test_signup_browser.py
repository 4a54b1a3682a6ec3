"""The subscribe form in a real browser: Debian's Chromium at a phone's width, driven by
Selenium, against the notify app served over HTTP by uvicorn; the confirmation goes through a
real SMTP server, and its link is followed in the same browser. The browser's requests commit
for real, so the tables are emptied before and after."""

import email
import email.message
import email.policy
import re
from collections.abc import AsyncIterator, Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

import browserkit
from notify import worker
from notify.app import create_app
from notify.config import Settings, SmtpSettings
from notify.messaging.dispatcher import Dispatcher
from notify.subscriptions.models import Subscription
from notify_testkit import HOME, Inbox, smtp_server
from shared.db import create_sessionmaker

pytestmark = [pytest.mark.service, pytest.mark.usefixtures("clean")]

PHONE_WIDTH = browserkit.PHONE_WIDTH
WAIT_S = browserkit.WAIT_S
# Every page's title ends in the service's name.
TITLED = " \N{EN DASH} Trygg"
HEADING_EN = "Hear what is done for safety in Värnamo"


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[str]:
    with browserkit.served(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with browserkit.phone_browser() as driver:
        yield driver


@pytest.fixture
async def mail(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[Dispatcher, Inbox]]:
    """notify's dispatcher, sending email to a real SMTP server on a free port."""
    with smtp_server() as (port, inbox):
        configured = settings.model_copy(update={"smtp": SmtpSettings(port=port)})
        outbound = worker.channels(configured)
        yield worker.dispatcher(configured, create_sessionmaker(engine), outbound), inbox
        await outbound.aclose()


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT_S)


def _widths(driver: WebDriver) -> tuple[int, int]:
    widths = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    return int(widths[0]), int(widths[1])


def _confirmation_link(inbox: Inbox, settings: Settings, served: str) -> str:
    """The link in the one email sent, at the served app's address instead of the public one."""
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["anna@example.se"]
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    base = settings.public.base_url.rstrip("/")
    [link] = re.findall(re.escape(base) + r"/subscriptions/confirm/\S+", body.get_content())
    return served + link.removeprefix(base)


async def _subscriptions(engine: AsyncEngine) -> list[Subscription]:
    async with AsyncSession(engine) as session:
        return list((await session.exec(select(Subscription))).all())


async def test_a_resident_subscribes_from_a_phone_and_confirms_by_the_emailed_link(
    browser: WebDriver,
    served: str,
    engine: AsyncEngine,
    settings: Settings,
    mail: tuple[Dispatcher, Inbox],
) -> None:
    dispatcher, inbox = mail
    browser.get(f"{served}/subscribe/{HOME}?locality=Forsheda")
    _wait(browser).until(seen.presence_of_element_located((By.ID, "send")))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    locality = Select(browser.find_element(By.ID, "locality"))
    assert locality.first_selected_option.text == "Forsheda"
    # The page's style applies: its Content-Security-Policy lets exactly that style in.
    send = browser.find_element(By.ID, "send")
    assert send.value_of_css_property("background-color") == "rgba(11, 83, 148, 1)"
    email_field = browser.find_element(By.ID, "email")
    assert _widths(browser) == (PHONE_WIDTH, PHONE_WIDTH)

    browser.find_element(By.CSS_SELECTOR, 'label[for="topic-promise"]').click()
    email_field.send_keys("anna@example.se")
    send.click()

    _wait(browser).until(seen.title_is(f"Titta i din e-post{TITLED}"))
    assert _widths(browser)[0] <= PHONE_WIDTH
    [pending] = await _subscriptions(engine)
    assert (pending.status, pending.locality, pending.municipality_code) == (
        "pending",
        "Forsheda",
        HOME,
    )
    assert "promise" not in pending.channels
    assert inbox.messages == [], "nothing is sent before the dispatcher sends it"

    assert await dispatcher.dispatch_batch() == 1
    browser.get(_confirmation_link(inbox, settings, served))
    _wait(browser).until(seen.title_is(f"Bekräfta prenumerationen{TITLED}"))
    assert "Forsheda (Värnamo)" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()

    _wait(browser).until(seen.title_is(f"Tack! Din prenumeration är bekräftad{TITLED}"))
    assert _widths(browser)[0] <= PHONE_WIDTH
    [confirmed] = await _subscriptions(engine)
    assert (confirmed.id, confirmed.status) == (pending.id, "confirmed")
    assert confirmed.confirmed_at is not None


async def test_a_refused_form_in_the_browser_says_what_to_correct_in_english(
    browser: WebDriver, served: str, engine: AsyncEngine
) -> None:
    browser.get(f"{served}/subscribe/{HOME}?lang=en")
    _wait(browser).until(seen.presence_of_element_located((By.ID, "send")))
    Select(browser.find_element(By.ID, "locality")).select_by_index(0)
    browser.find_element(By.ID, "latitude").send_keys("57,163")
    browser.find_element(By.ID, "email").send_keys("anna@example.se")
    browser.find_element(By.ID, "send").click()

    _wait(browser).until(seen.title_is(f"Something needs correcting: {HEADING_EN}{TITLED}"))
    problems = browser.find_element(By.CLASS_NAME, "problems").text
    assert "Write the latitude and longitude as decimal numbers" in problems
    assert browser.find_element(By.ID, "latitude").get_attribute("value") == "57,163"
    assert browser.find_element(By.ID, "email").get_attribute("value") == "anna@example.se"
    assert _widths(browser)[0] <= PHONE_WIDTH
    assert await _subscriptions(engine) == []
