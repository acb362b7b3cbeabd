"""axe-core finds zero violations on every page, signed out and signed in (axe-playwright-python, axe's defaults).

The pages are listed once, built from the demo data (organization ``acme``, project ``SHOP``). Each is loaded
in a fresh context with JavaScript on, checked to be the page asked for (status, no redirect), then audited;
a failure prints axe's report: rule id, impact, the elements and what to fix.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.support import DEMO_ORG, DEMO_PASSWORD, DEMO_PROJECT, ROOT, ContextFactory, sign_in, storage_state

AXE = Axe()


@dataclass(frozen=True)
class PageCase:
    """One URL to audit; ``path`` may name ``{microstep}``, ``{key}`` and ``{org}``."""

    name: str
    path: str
    signed_in: bool = False
    status: int = 200


PAGES = (
    # Signed out
    PageCase("login", "/login"),
    PageCase("sign-up", "/signup"),
    PageCase("check your mail", "/check-mail"),
    PageCase("verify result (expired link)", "/verify?token=not-a-real-token", status=400),
    PageCase("resend verification", "/verify/resend"),
    PageCase("password forgot", "/password/forgot"),
    PageCase("password reset (expired link)", "/password/reset?token=not-a-real-token", status=400),
    PageCase("dev mailbox", "/dev/mailbox"),
    PageCase("error page (404)", "/no-such-page", status=404),
    # Signed in as alice (owner of acme, PM of SHOP)
    PageCase("dashboard", "/", signed_in=True),
    PageCase("new project", "/projects/new", signed_in=True),
    PageCase("plan tree", "/p/{key}", signed_in=True),
    PageCase("plan tree, filtered", "/p/{key}?status=todo&owner=bob&q=page", signed_in=True),
    PageCase("microstep detail", "/p/{key}/m/{microstep}", signed_in=True),
    PageCase("revision history", "/p/{key}/history", signed_in=True),
    PageCase("revision diff", "/p/{key}/diff?from=1&to=2", signed_in=True),
    PageCase("timeline", "/p/{key}/timeline", signed_in=True),
    PageCase("timeline, filtered", "/p/{key}/timeline?kind=status&kind=sync&entity=ms-1", signed_in=True),
    PageCase("timeline, a bad filter", "/p/{key}/timeline?kind=gossip&since=2026-01-01", signed_in=True, status=422),
    PageCase("members", "/p/{key}/members", signed_in=True),
    PageCase("upload", "/p/{key}/upload", signed_in=True),
    PageCase("conflicts", "/p/{key}/conflicts", signed_in=True),
    PageCase("policy", "/p/{key}/policy", signed_in=True),
    PageCase("approvals", "/p/{key}/approvals?status=all", signed_in=True),
    PageCase("organizations", "/orgs", signed_in=True),
    PageCase("organization", "/orgs/{org}", signed_in=True),
    PageCase("API keys", "/settings/api-keys", signed_in=True),
    PageCase("discussion of a microstep", "/p/{key}/comments/microstep/{microstep}", signed_in=True),
    PageCase("mention suggestions", "/p/{key}/mentions?q=a", signed_in=True),
    PageCase("teams", "/orgs/{org}/teams", signed_in=True),
    PageCase("notifications", "/notifications", signed_in=True),
    PageCase("notifications, filtered", "/notifications?unread=1&priority=high", signed_in=True),
    PageCase("notifications, a bad filter", "/notifications?priority=critical", signed_in=True, status=422),
    PageCase("notification settings", "/settings/notifications", signed_in=True),
    PageCase("error page (404), signed in", "/p/NOPE", signed_in=True, status=404),
    # Other locales (lang attributes, longer strings)
    PageCase("login in German", "/login?lang=de"),
    PageCase("plan tree in French", "/p/{key}?lang=fr", signed_in=True),
)


def audit(page: Page) -> None:
    """Run axe on the page as it is now and fail with its report when it finds anything."""
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
def test_page_has_no_axe_violations(case: PageCase, new_context: ContextFactory, alice_state: dict[str, Any],
                                    demo: dict[str, str]) -> None:
    context = new_context(storage_state=alice_state) if case.signed_in else new_context()
    page = context.new_page()
    path = case.path.format(**demo)
    response = page.goto(path)
    assert response is not None
    assert response.status == case.status, f"GET {path} answered {response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path, f"GET {path} ended on {page.url}"
    expect(page.get_by_role("main")).to_be_attached()
    audit(page)


def test_failed_sign_in_form_has_no_axe_violations(page: Page) -> None:
    """The form as it comes back with an error message (the error state is markup of its own)."""
    page.goto("/login")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit(page)


def test_sign_up_with_a_taken_email_has_no_axe_violations(page: Page) -> None:
    page.goto("/signup")
    page.get_by_label("Email", exact=True).fill("alice@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("already exists")
    audit(page)


def test_empty_organization_form_has_no_axe_violations(alice_page: Page) -> None:
    """The error summary and the fields marked invalid."""
    alice_page.goto("/orgs")
    alice_page.get_by_role("button", name="Create organization").click()
    expect(alice_page.get_by_role("alert")).to_be_visible()
    audit(alice_page)


def test_upload_with_lint_findings_has_no_axe_violations(alice_page: Page, demo: dict[str, str]) -> None:
    """Findings of the Build Spec linter listed inline under the form."""
    alice_page.goto(f"/p/{demo['key']}/upload")
    alice_page.get_by_label("Or paste the plan").fill('{"version": 1, "project": {"name": ""}, "milestones": [{}]}')
    alice_page.get_by_role("button", name="Check and save").click()
    expect(alice_page.get_by_role("alert")).to_be_visible()
    audit(alice_page)


def test_password_reset_pages_have_no_axe_violations(page: Page) -> None:
    """Ask for a reset link, read it in the dev mailbox, open it: the form with a live token (not submitted)."""
    page.goto("/password/forgot")
    page.get_by_label("Email").fill("carol@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page)  # where the form sends people: "check your mail"
    page.goto("/dev/mailbox?to=carol@example.com")
    audit(page)  # the mailbox with messages in it
    page.get_by_role("link", name=re.compile(r"reset\?token=")).first.click()
    expect(page.get_by_label("New password", exact=True)).to_be_visible()
    audit(page)


def test_approval_pages_have_no_axe_violations(alice_page: Page, alice_api: Any, demo: dict[str, str]) -> None:
    """A request's page with its thread and forms, the form refused (an empty comment), the list with the request
    in it, and the policy form showing the validator's findings."""
    key = demo["key"]
    asked = alice_api.post(f"/api/v1/projects/{key}/approvals",
                           data={"transition": "milestone_completion", "target": "axe-check", "comment": "Ready"})
    assert asked.status == 201, f"requesting an approval: {asked.status} {asked.text()[:500]}"
    alice_page.goto(f"/p/{key}/approvals/{asked.json()['id']}")
    expect(alice_page.get_by_role("heading", level=1)).to_contain_text("Approval request")
    audit(alice_page)
    alice_page.get_by_role("button", name="Add comment").click()
    expect(alice_page.get_by_role("alert")).to_be_visible()
    audit(alice_page)
    alice_page.goto(f"/p/{key}/approvals")
    expect(alice_page.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).first).to_be_visible()
    audit(alice_page)
    alice_page.goto(f"/p/{key}/policy")
    alice_page.get_by_label("New policy (YAML)").fill("version: 1\nsync_backof: {}\n")
    alice_page.get_by_role("button", name=re.compile("^Check and")).click()
    expect(alice_page.get_by_role("alert")).to_contain_text("POL005")
    audit(alice_page)


def test_api_key_pages_have_no_axe_violations(alice_page: Page) -> None:
    """The page that shows a new key once, and the revoke confirmation."""
    alice_page.goto("/settings/api-keys")
    alice_page.get_by_label("Name", exact=True).fill("axe check")
    alice_page.get_by_label(re.compile("^plan:read")).check()
    alice_page.get_by_role("button", name="Create key").click()
    expect(alice_page.get_by_role("heading", level=1)).to_have_text("Your new API key")
    audit(alice_page)
    alice_page.get_by_role("link", name="Back to your API keys").click()
    audit(alice_page)  # the list with a key in it
    alice_page.get_by_role("link", name=re.compile("^Revoke")).first.click()
    expect(alice_page.get_by_role("heading", level=1)).to_have_text("Revoke an API key")
    audit(alice_page)


def test_conflict_pages_have_no_axe_violations(alice_page: Page, conflict: str, demo: dict[str, str]) -> None:
    """The conflict log with an open entry, the entry side by side with its form, the form refused, and the plan
    page's note about waiting conflicts."""
    alice_page.goto(f"/p/{demo['key']}")
    expect(alice_page.get_by_role("link", name=re.compile("waiting for")).first).to_be_visible()
    audit(alice_page)
    alice_page.goto(f"/p/{demo['key']}/conflicts")
    audit(alice_page)
    alice_page.locator(f"a[href$='/conflicts/{conflict}']").click()
    expect(alice_page.get_by_role("heading", level=1)).to_contain_text("Conflicting push")
    audit(alice_page)
    alice_page.get_by_role("button", name="Resolve and save").click()  # no choice made: each conflict says so
    expect(alice_page.get_by_role("alert").first).to_be_visible()
    audit(alice_page)


def test_timeline_at_200_percent_zoom_and_after_filtering_has_no_axe_violations(
        new_context: ContextFactory, alice_state: dict[str, Any], conflict: str, demo: dict[str, str]) -> None:
    """A 1280-pixel window at 200% zoom lays the page out in 640 CSS pixels: the chart keeps its size (it never
    shrinks below 34rem, so its labels stay readable) without a sideways scroll; then the list swapped by htmx after
    filtering, and the chart's data table opened."""
    context = new_context(storage_state=alice_state, viewport={"width": 640, "height": 900})
    page = context.new_page()
    page.goto(f"/p/{demo['key']}/timeline")
    chart = page.locator("svg.burnup-chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] >= 34 * 16 - 1, box
    label = chart.locator("text").first.bounding_box()
    assert label is not None and label["height"] >= 12, label
    assert page.locator("figure.burnup").evaluate("node => node.scrollWidth <= node.clientWidth")
    audit(page)
    page.get_by_label("Conflicts", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"kind=conflict"))
    expect(page.locator("#timeline-events .badge").first).to_have_text("Conflict")
    audit(page)
    page.get_by_text("The chart's data as a table").click()
    expect(page.get_by_role("table", name=re.compile("Microsteps done and in all"))).to_be_visible()
    audit(page)


@pytest.fixture(scope="session")
def conflict(alice_api: Any) -> str:
    """An open conflict-log entry of the demo project: two pushes from one revision retitle a microstep two ways."""
    current = alice_api.get(f"/api/v1/projects/{DEMO_PROJECT}/plan")
    assert current.ok, f"GET the demo plan: {current.status} {current.text()[:500]}"
    base, plan = current.headers["etag"], current.json()

    def push(title: str) -> Any:
        plan["milestones"][0]["steps"][0]["microsteps"][0]["title"] = title
        return alice_api.put(f"/api/v1/projects/{DEMO_PROJECT}/plan", data=json.dumps(plan),
                             headers={"Content-Type": "application/json", "If-Match": base})

    assert push("Retitled on one side").ok
    refused = push("Retitled <on the other>")
    assert refused.status == 409, f"the second push: {refused.status} {refused.text()[:500]}"
    return str(refused.json()["conflict_id"])


@pytest.fixture(scope="session")
def demo(alice_api: Any) -> dict[str, str]:
    """Values for the URLs: the demo project, one of its microsteps, and a second revision to diff against."""
    response = alice_api.get(f"/api/v1/projects/{DEMO_PROJECT}/plan")
    assert response.ok, f"GET the demo plan: {response.status} {response.text()[:500]}"
    plan = response.json()
    micro = [m for milestone in plan["milestones"] for step in milestone["steps"] for m in step["microsteps"]]
    todo = next(m for m in micro if m.get("status", "todo") == "todo")
    changed = alice_api.put(f"/api/v1/projects/{DEMO_PROJECT}/microsteps/{todo['id']}/status",
                            data={"status": "in_progress"})
    assert changed.ok, f"changing a status for the diff: {changed.status} {changed.text()[:500]}"
    return {"key": DEMO_PROJECT, "org": DEMO_ORG, "microstep": micro[0]["id"]}


def test_comment_form_has_no_axe_violations(alice_page: Page, demo: dict[str, str]) -> None:
    """A discussion with the mention list open (and the keys that drive it), and the form refused."""
    page = alice_page
    page.goto(f"/p/{demo['key']}/comments/microstep/{demo['microstep']}")
    box = page.get_by_label("Your comment")
    box.press_sequentially("Thanks @b")
    expect(page.get_by_role("listbox")).to_be_visible()
    audit(page)  # the suggestions open, one of them active
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")  # inserts the active suggestion, not a line break
    expect(box).to_have_value(re.compile(r"^Thanks @\S+ $"))
    expect(page.get_by_role("listbox")).to_be_hidden()
    box.press_sequentially("and @c")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    assert box.get_attribute("aria-activedescendant") is None
    box.fill(" ")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be empty")
    audit(page)


def test_comment_pages_after_posting_have_no_axe_violations(alice_page: Page, demo: dict[str, str]) -> None:
    """A posted comment, its edit, history and promote pages, the discussion loaded into the microstep page, a
    milestone's discussion and the teams page with a team."""
    page = alice_page
    page.goto(f"/p/{demo['key']}/comments/microstep/{demo['microstep']}")
    page.get_by_label("Your comment").fill("Checked by **axe**, see @bob")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments-status")).to_have_text("Your comment is posted.")
    audit(page)
    page.get_by_role("link", name=re.compile("^Edit")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit a comment")
    audit(page)
    page.get_by_label("Your comment").fill("Checked by **axe** twice")
    page.get_by_role("button", name="Save the comment").click()
    page.get_by_role("link", name=re.compile("^edited")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of a comment")
    audit(page)
    page.get_by_role("link", name="Back to the discussion").click()
    page.get_by_role("link", name=re.compile("^Make it a microstep")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a comment a microstep")
    audit(page)
    page.goto(f"/p/{demo['key']}/m/{demo['microstep']}")
    expect(page.locator("#discussion").get_by_text("Checked by")).to_be_visible()
    audit(page)  # the discussion swapped into the microstep page
    page.goto(f"/p/{demo['key']}")
    page.get_by_role("link", name=re.compile("^Discussion")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Discussion of the milestone")
    audit(page)
    page.goto(f"/orgs/{demo['org']}/teams")
    page.get_by_label("Slug").fill("axe-team")
    page.get_by_label("Name", exact=True).fill("Axe team")
    page.get_by_role("button", name="Create the team").click()
    expect(page.get_by_role("heading", name=re.compile("Axe team"))).to_be_visible()
    audit(page)


@pytest.fixture(scope="session")
def admin_state(browser: Any, live_server: Any) -> dict[str, Any]:
    """A GlobalAdmin made with ``br-server users create`` in the live server's data directory, signed in once."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BR_")}
    env["BR_DATA_DIR"] = str(live_server.data_dir)
    subprocess.run([sys.executable, "-m", "app", "users", "create", "--email", "root@example.com", "--password",
                    DEMO_PASSWORD, "--role", "GlobalAdmin"], env=env, cwd=ROOT, check=True, capture_output=True)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        sign_in(context.new_page(), "root@example.com")
        return storage_state(context)
    finally:
        context.close()


def test_audit_ledger_page_has_no_axe_violations(new_context: ContextFactory, admin_state: dict[str, Any]) -> None:
    """The admin page with entries, after "Verify now" (the result swapped in), and with a refused filter."""
    page = new_context(storage_state=admin_state).new_page()
    response = page.goto("/admin/audit")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit ledger")
    audit(page)
    page.get_by_role("button", name="Verify now").click()
    expect(page.locator("#verify-result")).to_contain_text("The ledger verifies.")
    audit(page)
    refused = page.goto("/admin/audit?action=Not+an+action")
    assert refused is not None and refused.status == 422
    audit(page)


def test_acting_as_a_user_from_the_keyboard_has_no_axe_violations(new_context: ContextFactory,
                                                                  admin_state: dict[str, Any]) -> None:
    """The admin starts an impersonation from the keyboard (refused first: the reason is too short), every page then
    shows the banner, and its button brings her back. A session of its own: ``admin_state``'s is shared."""
    page = new_context().new_page()
    sign_in(page, "root@example.com")
    page.goto("/admin/impersonate")
    expect(page.get_by_role("heading", level=1)).to_have_text("Act as a user")
    audit(page)
    page.get_by_label("Email of the user").fill("alice@example.com")
    page.get_by_label("Reason").fill("short")
    page.get_by_label("Reason").press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # a refused form: the summary names the reason field
    expect(page.get_by_role("alert")).to_contain_text("10 to 400 characters")
    audit(page)
    page.get_by_label("Reason").fill("Support ticket 4711: cannot see the board")
    page.get_by_role("button", name="Act as this user").press("Enter")
    banner = page.get_by_role("region", name="Impersonation", exact=True)
    expect(banner).to_contain_text("root@example.com, you are acting as alice@example.com")
    expect(page.get_by_role("link", name="Act as a user")).to_have_count(0)  # Alice's menu
    audit(page)
    banner.get_by_role("button", name="Stop acting as alice@example.com").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Act as a user")
    expect(page.get_by_role("region", name="Impersonation", exact=True)).to_have_count(0)
    expect(page.get_by_role("cell", name="Support ticket 4711: cannot see the board")).to_be_visible()


def test_notification_flyout_and_settings_error_have_no_axe_violations(alice_page: Page) -> None:
    """The header's flyout opened from the keyboard (focus moves in; Escape closes it and gives focus back), and
    the preferences form refusing a webhook address."""
    alice_page.goto("/notifications")
    toggle = alice_page.get_by_role("button", name="Recent notifications")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    alice_page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    flyout = alice_page.get_by_role("region", name="Recent notifications")
    expect(flyout.get_by_role("heading", name="Recent notifications")).to_be_visible()
    expect(flyout.locator(":focus")).to_have_count(1)  # focus moved into the flyout (its first link or button)
    audit(alice_page)
    alice_page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(flyout).to_be_hidden()
    alice_page.goto("/settings/notifications")
    alice_page.get_by_label("Slack incoming webhook address").fill("http://hooks.slack.com/services/x")
    alice_page.get_by_role("button", name="Save preferences").click()
    expect(alice_page.get_by_role("alert")).to_contain_text("https URL")
    audit(alice_page)
