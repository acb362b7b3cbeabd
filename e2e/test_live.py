"""Two people on the same microstep page, in two browser contexts: each sees the other in "Viewing now", bob's typing
shows on alice's page, his comment appears there without a reload (and is announced politely), and the page with
its live parts showing has no axe violations.

Playwright's ``expect`` waits up to its default timeout; how fast delivery is belongs to ``bench/bench_live.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from e2e.support import DEMO_PROJECT, ContextFactory, LiveServer, sign_in, storage_state

AXE = Axe()


@pytest.fixture(scope="module")
def bob_state(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """Bob's cookies (TechLead of SHOP), signed in once for the module."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        sign_in(context.new_page(), "bob@example.com")
        yield storage_state(context)
    finally:
        context.close()


@pytest.fixture
def microstep(alice_api: Any) -> str:
    """A microstep of the demo plan whose discussion the test has to itself."""
    response = alice_api.get(f"/api/v1/projects/{DEMO_PROJECT}/plan")
    assert response.ok, f"GET the demo plan: {response.status}"
    plan = response.json()
    ids = [m["id"] for milestone in plan["milestones"] for step in milestone["steps"] for m in step["microsteps"]]
    return str(ids[-1])


def open_page(new_context: ContextFactory, state: dict[str, Any], path: str) -> Page:
    page = new_context(storage_state=state).new_page()
    page.goto(path)
    expect(page.locator("#comments textarea").first).to_be_visible()  # the discussion has loaded
    return page


def test_two_people_see_each_other_typing_and_commenting(new_context: ContextFactory, alice_state: dict[str, Any],
                                                         bob_state: dict[str, Any], microstep: str) -> None:
    path = f"/p/{DEMO_PROJECT}/m/{microstep}"
    alice = open_page(new_context, alice_state, path)
    bob = open_page(new_context, bob_state, path)

    viewing = alice.get_by_role("list", name="Viewing now:")
    expect(viewing.get_by_role("listitem").filter(has_text="Bob Baker")).to_be_visible()
    expect(viewing.get_by_role("listitem").filter(has_text="Alice Adams")).to_be_visible()
    expect(bob.get_by_role("list", name="Viewing now:").get_by_role("listitem")
           .filter(has_text="Alice Adams")).to_be_visible()

    box = bob.get_by_label("Your comment")
    box.press_sequentially("Looks good to me")
    expect(alice.locator("#live-typing")).to_have_text("Bob Baker is typing…")
    announcer = alice.locator("#live-announce")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("Bob Baker is typing…")

    bob.get_by_role("button", name="Post comment").click()
    comment = alice.locator("#threads article").filter(has_text="Looks good to me")
    expect(comment).to_be_visible()  # no reload: the page was never navigated
    expect(announcer).to_have_text(re.compile(rf"^Bob Baker commented on {re.escape(microstep)}\.$"))
    expect(comment.get_by_role("heading", name="Bob Baker")).to_be_visible()
    expect(comment.get_by_role("button", name=re.compile("^Delete"))).to_have_count(1)  # alice is PM: she may
    expect(bob.locator("#threads article").filter(has_text="Looks good to me")).to_have_count(1)  # no double

    results = AXE.run(alice)  # presence list, typing line and the new comment all showing
    assert results.violations_count == 0, results.generate_report()

    bob.close()
    expect(viewing.get_by_role("listitem").filter(has_text="Bob Baker")).to_have_count(0)
    expect(announcer).to_have_text("Bob Baker left this page.")
