"""Fixtures of the browser tests: one live demo server and one headless Chromium per session.

The server is ``br-server run --demo`` (embedded SQLite in a temporary ``BR_DATA_DIR``; organization ``acme``,
project ``SHOP``, alice/bob/carol@example.com with the demo password). Every test gets fresh browser contexts,
so cookies never leak between tests; the server's process group is ended at the end of the session, whatever
happened in between. A missing Chromium fails the suite with the command that installs it; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_MISSING,
    TIMEOUT_MS,
    ContextFactory,
    LiveServer,
    sign_in,
    storage_state,
)

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``br-server run --demo`` on a free loopback port with a fresh embedded database."""
    with LiveServer.running(tmp_path_factory.mktemp("br-e2e")) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (sync API)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium."""
    if not CHROMIUM.is_file():
        pytest.fail(CHROMIUM_MISSING)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS))
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[ContextFactory]:
    """A factory of fresh browser contexts on the live server; all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: ContextFactory) -> Page:
    """An anonymous page, JavaScript on."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def alice_state(browser: Browser, live_server: LiveServer) -> dict[str, Any]:
    """The cookies of alice (demo organization owner, PM of SHOP), signed in once per session."""
    # Without JavaScript the login form is a plain POST + 303: the most direct way to a session cookie.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        sign_in(context.new_page(), "alice@example.com")
        return storage_state(context)
    finally:
        context.close()


@pytest.fixture
def alice_page(new_context: ContextFactory, alice_state: dict[str, Any]) -> Page:
    """A page signed in as alice, JavaScript on."""
    return new_context(storage_state=alice_state).new_page()


@pytest.fixture(scope="session")
def alice_api(playwright: Playwright, live_server: LiveServer, alice_state: dict[str, Any]) -> Iterator[Any]:
    """HTTP calls as alice with her session cookie and CSRF token, for setting up data the pages show."""
    csrf = next((cookie["value"] for cookie in alice_state["cookies"] if cookie["name"] == "br_csrf"), "")
    assert csrf, "no CSRF cookie after signing in; cookie-authenticated writes would be refused"
    api = playwright.request.new_context(base_url=live_server.url, storage_state=alice_state,  # type: ignore[arg-type]
                                         extra_http_headers={"X-CSRFToken": csrf})
    yield api
    api.dispose()
