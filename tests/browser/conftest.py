"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Playwright's own browser download does not work here, so the fixture launches /usr/bin/chromium
and fails, naming the install command, when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls
# made by the test body (creating data, reading it back) as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "pw-Secret-123"  # tests.factories.make_user's default


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}; "
            "install it with: apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class ConsoleLog:
    """What the browser complained about: console errors, uncaught exceptions, failed loads."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on(
            "console",
            lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # A navigation cancels the previous page's pending loads (ERR_ABORTED): not a fault.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"request failed: {request.url} ({request.failure})")


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def new_page(browser, live_server, console):
    """``new_page(viewport=DESKTOP)`` → a page in a fresh context (own cookies) on the live server.

    Every page is watched: at teardown any console error (a CSP violation, a 404 for a static
    file, a JavaScript exception) fails the test.
    """
    contexts = []

    def factory(viewport: dict[str, int] = DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console.attach(page)
        return page

    yield factory
    for context in contexts:
        context.close()
    if console.errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(console.errors), pytrace=False)


@pytest.fixture
def page(new_page):
    """A desktop-sized (1280x800) page in a fresh browser context."""
    return new_page()


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """PMHUB_SCREENSHOT_DIR (``make screenshots`` sets docs/screenshots), else a tmp dir.

    Plain test runs therefore never rewrite the committed screenshots.
    """
    target = Path(os.environ.get("PMHUB_SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def log_in():
    """``log_in(page, username, password=PASSWORD)``: through the login form, to the products."""

    def log_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/products/")

    return log_in
