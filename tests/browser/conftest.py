"""Headless Chromium (Debian's package at /usr/bin/chromium) driven by Playwright against pytest-django's live server.

`make test` installs Chromium when it is missing. Playwright's own browser downloads are never used.
"""
import os

import pytest

from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium against the live server")


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module, closed at the module's end so later tests run without Playwright's event loop."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}; `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, so Django's ORM would refuse the test's own queries.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """Return a function that logs a user in within a fresh browser context and returns its page."""
    contexts = []

    def open_as(user=None):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        if user is not None:
            page.goto("/login/")
            page.fill("#id_username", user.email)
            page.fill("#id_password", TEST_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()
