"""The notification center in a real browser: bob mentions alice; alice's bell counts it, the flyout (opened and
closed from the keyboard) lists it, marking it read there updates the bell and keeps focus in the flyout; and the
same without JavaScript, through the list page's forms. axe finds nothing on the flyout."""

from __future__ import annotations

import re
import secrets
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.support import DEMO_PROJECT, ContextFactory, sign_in

AXE = Axe()


def audit(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def mention_alice(new_context: ContextFactory, alice_api: Any) -> str:
    """Bob posts a comment mentioning alice on a microstep of the demo plan; returns its unique text."""
    plan = alice_api.get(f"/api/v1/projects/{DEMO_PROJECT}/plan").json()
    ids = [m["id"] for milestone in plan["milestones"] for step in milestone["steps"] for m in step["microsteps"]]
    bob = new_context(java_script_enabled=False).new_page()
    sign_in(bob, "bob@example.com")
    bob.goto(f"/p/{DEMO_PROJECT}/comments/microstep/{ids[0]}")
    text = f"Please review {secrets.token_hex(4)}, @alice"
    bob.get_by_label("Your comment").fill(text)
    bob.get_by_role("button", name="Post comment").click()
    expect(bob.get_by_text(text.removesuffix(", @alice"))).to_be_visible()
    return text


def test_flyout_marks_read_and_updates_the_bell(new_context: ContextFactory, alice_state: dict[str, Any],
                                                alice_api: Any) -> None:
    mention_alice(new_context, alice_api)
    alice = new_context(storage_state=alice_state).new_page()
    alice.goto("/")
    bell = alice.locator("#notification-bell")
    expect(bell.locator(".unread-count")).to_be_visible()  # loaded after the page
    toggle = alice.get_by_role("button", name="Recent notifications")
    toggle.focus()
    alice.keyboard.press("Enter")
    flyout = alice.get_by_role("region", name="Recent notifications")
    expect(flyout.get_by_role("link", name=re.compile("Bob .* mentioned you"))).to_be_visible()
    audit(alice)
    flyout.get_by_role("button", name="Mark all as read").click()
    expect(flyout.get_by_role("status")).to_have_text("0 unread.")
    expect(flyout.get_by_role("heading", name="Recent notifications")).to_be_focused()
    expect(bell.locator(".unread-count")).to_have_count(0)
    alice.keyboard.press("Escape")
    expect(toggle).to_be_focused()
    expect(flyout).to_be_hidden()


def test_the_list_works_without_javascript(new_context: ContextFactory, alice_state: dict[str, Any],
                                           alice_api: Any) -> None:
    text = mention_alice(new_context, alice_api)
    alice = new_context(storage_state=alice_state, java_script_enabled=False).new_page()
    alice.goto("/notifications?unread=1")
    item = alice.locator("li").filter(has_text=text)
    expect(item).to_contain_text("High priority")  # (axe needs JavaScript: the list is audited in test_accessibility)
    item.get_by_role("button", name=re.compile("^Mark as read")).click()
    expect(alice.get_by_role("status").filter(has_text="Marked as read.")).to_be_visible()
    expect(alice.locator("li").filter(has_text=text)).to_have_count(0)  # the unread filter is kept
