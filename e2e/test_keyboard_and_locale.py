"""Keyboard-only basics (the skip link comes first and moves focus to main) and the page language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.support import DEMO_PASSWORD, ContextFactory, has_session, is_post_to

MAX_TABS = 40


def _assert_skip_link_works(page: Page) -> None:
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()  # the first focusable element of the page
    expect(skip).to_be_in_viewport()  # and shown while focused, not left off-screen
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def _tab_to(page: Page, label: str) -> None:
    """Press Tab until the control labelled ``label`` has focus (at most ``MAX_TABS`` times)."""
    target = page.get_by_label(label)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{label!r} is not reachable with Tab within {MAX_TABS} presses")


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/login")
    _assert_skip_link_works(page)


def test_skip_link_when_signed_in(alice_page: Page) -> None:
    alice_page.goto("/")
    _assert_skip_link_works(alice_page)


def test_keyboard_only_sign_in(page: Page) -> None:
    """Tab to the form, type, press Enter: the session starts without touching the mouse."""
    page.goto("/login")
    _tab_to(page, "Email")
    page.keyboard.type("bob@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_response(is_post_to("/login")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 303
    assert has_session(page.context)


@pytest.mark.parametrize("lang", ["de", "es", "fr", "en"])
def test_lang_query_sets_html_lang_and_is_remembered(page: Page, lang: str) -> None:
    page.goto(f"/login?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto("/login")  # the choice is kept in a cookie
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize(("header", "lang"), [("fr", "fr"), ("de-DE,de;q=0.9,en;q=0.5", "de"), ("xx-YY", "en")])
def test_accept_language_picks_the_locale(new_context: ContextFactory, header: str, lang: str) -> None:
    page = new_context(extra_http_headers={"Accept-Language": header}).new_page()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_lang_query_wins_over_accept_language(new_context: ContextFactory) -> None:
    page = new_context(extra_http_headers={"Accept-Language": "fr"}).new_page()
    page.goto("/login?lang=de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
