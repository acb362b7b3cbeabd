"""axe-core finds zero violations on every page, signed out and signed in (axe-playwright-python, axe's defaults).

The pages are listed once, built from the demo data (organization ``acme``, project ``SHOP``). Each is loaded
in a fresh context with JavaScript on, checked to be the page asked for (status, no redirect), then audited;
a failure prints axe's report: rule id, impact, the elements and what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.support import DEMO_ORG, DEMO_PROJECT, ContextFactory

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
    PageCase("members", "/p/{key}/members", signed_in=True),
    PageCase("upload", "/p/{key}/upload", signed_in=True),
    PageCase("organizations", "/orgs", signed_in=True),
    PageCase("organization", "/orgs/{org}", signed_in=True),
    PageCase("API keys", "/settings/api-keys", signed_in=True),
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
