"""A real browser for the pages residents see: Debian's Chromium at a phone's width, driven
by Selenium, against an app served over HTTP by uvicorn on a free port of 127.0.0.1."""

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE_WIDTH = 390
WAIT_S = 20


@contextlib.contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app over HTTP, in a thread with its own event loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections wait in the backlog until the server takes them
    config = uvicorn.Config(app, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        assert httpx.get(f"{base}/livez", timeout=WAIT_S).status_code == 200
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT_S)
        sock.close()


@contextlib.contextmanager
def phone_browser() -> Iterator[WebDriver]:
    """Headless Chromium laid out as a 390 px phone; fails (never skips) when it is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: run `deploy/stack.sh install`, which installs "
            "Debian's chromium and chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", f"--window-size={PHONE_WIDTH},844"):
        options.add_argument(argument)
    # A desktop window is never narrower than 500 px: the page is laid out as on a phone.
    phone = {"width": PHONE_WIDTH, "height": 844, "pixelRatio": 3.0, "mobile": True}
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": phone})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def scroll_width(driver: WebDriver) -> int:
    width: int = driver.execute_script("return document.documentElement.scrollWidth")
    return width
