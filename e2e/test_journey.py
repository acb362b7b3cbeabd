"""The journey of a new team, driven like a person drives it: by roles and labels, keyboard where natural.

Sign up → read the confirmation mail in the dev mailbox → confirm → sign in → create an organization → create a
project → upload a plan (file input with JavaScript, pasted text without) → change a microstep's status → see the
change in the revision history and its diff.

It runs twice: with JavaScript (htmx swaps where the page offers them) and with JavaScript disabled, where every
form must still work as a plain POST answered by 303 See Other.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.support import ContextFactory, has_session, is_post_to

PASSWORD = "journey password 2024"  # noqa: S105  (a throw-away account on the test server)


def small_plan(key: str) -> str:
    """A valid Build Spec: one milestone, one step, two microsteps (the first is the one the journey moves)."""
    microsteps = [
        {"id": "ms-journey1", "title": "Pay with a card", "status": "todo", "owner": "journey",
         "acceptance_criteria": [{"id": "ac-journey1", "text": "A receipt is mailed"}]},
        {"id": "ms-journey2", "title": "Show the order summary", "status": "in_progress"},
    ]
    plan = {"version": 1, "project": {"name": "Journey shop", "key": key},
            "milestones": [{"id": "m-journey1", "title": "First release",
                            "steps": [{"id": "s-journey1", "title": "Checkout", "microsteps": microsteps}]}]}
    return json.dumps(plan, indent=2) + "\n"


@dataclass
class Journey:
    """One new person's run through the app; ``posts`` records the answer to every form submission."""

    page: Page
    javascript: bool
    tmp_path: Path
    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    posts: list[tuple[str, int]] = field(default_factory=list)

    @property
    def email(self) -> str:
        """The new account's address."""
        return f"journey-{self.suffix}@example.com"

    @property
    def org(self) -> str:
        """The new organization's slug."""
        return f"journey-{self.suffix}"

    @property
    def key(self) -> str:
        """The new project's key."""
        return f"J{self.suffix.upper()}"

    def submit(self, action: Locator | str, path: str, *, htmx: bool = False) -> None:
        """Click the button (or press the key on the focused control) and check the POST's answer.

        A plain form answers 303; a form that htmx sends (``htmx`` and JavaScript on) answers 200 with a fragment.
        """
        with self.page.expect_response(is_post_to(path)) as answer:
            if isinstance(action, str):
                self.page.keyboard.press(action)
            else:
                action.click()
        status = answer.value.status
        self.posts.append((path, status))
        expected = 200 if htmx and self.javascript else 303
        assert status == expected, f"POST {path} answered {status}, expected {expected}"

    def flash(self) -> Locator:
        """The flash messages' live region (``role="status"``) of the base layout."""
        return self.page.locator("#flash")

    def main(self) -> Locator:
        """The page's main landmark."""
        return self.page.get_by_role("main")

    def nav(self, name: str) -> Locator:
        """A navigation landmark by its label: "Main", "Project", "Breadcrumb"."""
        return self.page.get_by_role("navigation", name=name)

    def h1(self) -> Locator:
        """The page's top heading."""
        return self.page.get_by_role("heading", level=1)

    def skip_to_main(self) -> None:
        """Keyboard: the skip link is the first stop and moves focus to main."""
        self.page.keyboard.press("Tab")
        expect(self.page.get_by_role("link", name="Skip to main content")).to_be_focused()
        self.page.keyboard.press("Enter")
        expect(self.main()).to_be_focused()

    def sign_up(self) -> None:
        page = self.page
        page.get_by_role("banner").get_by_role("link", name="Sign up").click()
        expect(self.h1()).to_have_text("Create an account")
        page.get_by_label("Email", exact=True).fill(self.email)
        page.get_by_label("Name (optional)").fill("Jo Journey")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.submit(page.get_by_role("button", name="Create account"), "/signup")
        expect(self.flash()).to_contain_text(f"We sent a confirmation link to {self.email}")

    def confirm_email(self) -> None:
        """Read the mail in the dev mailbox and follow its link."""
        page = self.page
        self.nav("Main").get_by_role("link", name="Dev mailbox").click()
        page.get_by_label("Only messages to").fill(self.email)
        page.get_by_label("Only messages to").press("Enter")
        expect(page.get_by_role("heading", name=f"Messages to {self.email}")).to_be_visible()
        page.get_by_role("link", name=re.compile(r"verify\?token=")).click()
        expect(self.h1()).to_have_text("Email confirmed")

    def sign_in(self) -> None:
        """Type the credentials, then Enter in the password field."""
        page = self.page
        self.main().get_by_role("link", name="Sign in").click()
        page.get_by_label("Email").fill(self.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").focus()
        self.submit("Enter", "/login")
        assert has_session(page.context)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(self.h1()).to_have_text("Dashboard")

    def create_organization(self) -> None:
        page = self.page
        self.nav("Main").get_by_role("link", name="Organizations").click()
        page.get_by_label("Name", exact=True).fill("Journey Labs")
        page.get_by_label("Slug").fill(self.org)
        self.submit(page.get_by_role("button", name="Create organization"), "/orgs")
        expect(self.h1()).to_have_text("Journey Labs")

    def create_project(self) -> None:
        page = self.page
        self.nav("Main").get_by_role("link", name="Dashboard").click()
        self.main().get_by_role("link", name="New project").click()
        page.get_by_label("Organization").select_option(self.org)
        page.get_by_label("Key", exact=True).fill(self.key)
        page.get_by_label("Name", exact=True).fill("Journey shop")
        page.get_by_label("Description (optional)").fill("Made by the browser journey.")
        self.submit(page.get_by_role("button", name="Create project"), "/projects/new")
        expect(self.flash()).to_contain_text(f"Project {self.key} created.")

    def upload_plan(self) -> None:
        """The file input with JavaScript, pasted text without: both ways are covered."""
        page = self.page
        self.nav("Project").get_by_role("link", name="Upload a plan").click()
        if self.javascript:
            plan_file = self.tmp_path / "plan.json"
            plan_file.write_text(small_plan(self.key))
            page.get_by_label("plan.json file").set_input_files(plan_file)
        else:
            page.get_by_label("Or paste the plan").fill(small_plan(self.key))
        page.get_by_label("Note for the history (optional)").fill("first plan")
        self.submit(page.get_by_role("button", name="Check and save"), f"/p/{self.key}/upload")
        expect(page.get_by_role("link", name="Pay with a card")).to_be_visible()

    def change_status(self) -> None:
        page = self.page
        page.get_by_role("link", name="Pay with a card").click()
        expect(self.h1()).to_have_text("Pay with a card")
        page.get_by_label("New status").select_option("in_progress")
        self.submit(page.get_by_role("button", name="Change status"), "/m/ms-journey1/status", htmx=True)
        expect(page.locator("#status-region")).to_contain_text("Current status: In progress")

    def see_history_and_diff(self) -> None:
        page = self.page
        self.nav("Breadcrumb").get_by_role("link", name="Journey shop").click()
        self.nav("Project").get_by_role("link", name="History").click()
        revisions = page.get_by_role("table", name="Revisions of the plan, newest first")
        expect(revisions.get_by_role("row")).to_have_count(3)  # the header row and two revisions
        expect(revisions).to_contain_text("first plan")
        revisions.get_by_role("link", name="Compare with revision 1").click()
        expect(self.main()).to_contain_text("Pay with a card: To do → In progress")
        expect(page.locator(".diff-line.added", has_text="in_progress").first).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_sign_up_to_history(new_context: ContextFactory, tmp_path: Path, javascript: bool) -> None:
    journey = Journey(new_context(java_script_enabled=javascript).new_page(), javascript, tmp_path)
    journey.page.goto("/")
    journey.skip_to_main()
    journey.sign_up()
    journey.confirm_email()
    journey.sign_in()
    journey.create_organization()
    journey.create_project()
    journey.upload_plan()
    journey.change_status()
    journey.see_history_and_diff()
    # Every plain form answered 303 See Other (only htmx's own request for the status gets a 200 fragment).
    plain = [status for path, status in journey.posts if not (javascript and path.endswith("/status"))]
    assert len(plain) == (5 if javascript else 6) and set(plain) == {303}, journey.posts
