"""Revision history and the diff between two revisions: structural summary and unified text diff."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.services import PlanService, diff_plans
from app.domain.projects.services._diff import unified_diff
from tests.integration.conftest import plan_bytes
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, assert_labelled, get, with_plan
from tests.integration.web.conftest import HX, Client, World, sign_in


async def third_revision(db: AsyncSession, world: World) -> None:
    """Revision 3: ms-111 removed, ms-999 added, ms-112's title and owner changed."""
    raw = json.loads((await PlanService(db).get_plan(world.alice, "WEB")).content)
    micros = raw["milestones"][0]["steps"][0]["microsteps"]
    micros.pop(0)
    micros[0].update(title="Lint and type-check", owner="carol")
    micros.append({"id": "ms-999", "title": "Brand new work"})
    await PlanService(db).save(world.bob, "WEB", json.dumps(raw, indent=2).encode(), expected_revision=2,
                               message="reshape")


async def test_history_lists_revisions(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "dan@example.com")
    text = assert_full_page(await get(client, "/p/WEB/history"))
    assert "<caption>Revisions of the plan, newest first</caption>" in text and '<th scope="col">Author</th>' in text
    rows = re.findall(r'<tr>\s*<th scope="row">(\d+)</th>', text)
    assert rows == ["2", "1"]
    assert "<td>first upload</td>" in text and "<td>ms-123: status → review</td>" in text
    assert "<td>alice@example.com</td>" in text and re.search(r"<code>[0-9a-f]{12}</code>", text)
    assert 'href="/p/WEB/diff?from=1&amp;to=2"' in text and 'action="/p/WEB/diff"' in text
    assert_labelled(text)


async def test_history_fragment_and_empty_history(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await get(client, "/p/WEB/history", headers=HX))
    assert "No revisions yet." in text and 'href="/p/WEB/upload"' in text


async def test_diff_of_a_status_change(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "carol@example.com")
    text = assert_full_page(await get(client, "/p/WEB/diff?from=1&to=2"))
    assert "<h1>Changes from revision 1 to revision 2</h1>" in text
    assert "<h3>Status changed (1)</h3>" in text
    assert "<code>ms-123</code> Seed data for local development: In progress → In review" in text
    assert "<h3>Microsteps added (0)</h3>" in text and "<h3>Other fields changed (0)</h3>" in text
    removed = '<span class="visually-hidden">removed: </span>-              &#34;status&#34;: &#34;in_progress&#34;'
    assert removed in text
    assert '<span class="visually-hidden">added: </span>+              &#34;status&#34;: &#34;review&#34;' in text
    assert re.search(r'<span class="diff-line hunk">@@ -\d+,\d+ \+\d+,\d+ @@</span>', text)


async def test_diff_of_a_reshaped_plan(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await third_revision(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await get(client, "/p/WEB/diff?from=3&to=1", headers=HX))  # either order works
    assert "<h3>Microsteps added (1)</h3>" in text and "<code>ms-111</code> Create the repository" in text
    assert "<h3>Microsteps removed (1)</h3>" in text and "<code>ms-999</code> Brand new work" in text
    assert "<code>ms-112</code> Set up linting and type checks in pre-commit: owner, title" in text
    assert "<code>ms-123</code> Seed data for local development: In review → In progress" in text


@pytest.mark.parametrize(("query", "status", "field", "message"), [
    ("from=abc&to=2", 400, "from", "whole number"),
    ("from=1&to=99999999999999999999", 400, "to", "whole number"),
    ("from=1", 400, "to", "whole number"),
    ("from=-1&to=2", 400, "from", "whole number"),
    ("from=%00&to=2", 400, "from", "whole number"),
    ("from=１&to=2", 400, "from", "whole number"),  # a full-width digit is not a revision number
    ("from=1&to=7", 404, "from", "has no revision 7; its revisions are 1 to 2"),
])
async def test_bad_revision_picks(client: Client, db: AsyncSession, world: World, query: str, status: int,
                                  field: str, message: str) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, f"/p/WEB/diff?{query}"), status=status)
    assert "<h1>Compare revisions</h1>" in text and message in text and 'role="alert"' in text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text)
    assert message in assert_fragment(await get(client, f"/p/WEB/diff?{query}", headers=HX), status=status)


@pytest.mark.parametrize("url", ["/p/WEB/history", "/p/WEB/diff?from=1&to=2", "/p/WEB/diff?from=x"])
async def test_history_authorization(client: Client, db: AsyncSession, world: World, url: str) -> None:
    await with_plan(db, world)
    anonymous = await get(client, url)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    await sign_in(client, db, "eve@example.com")
    other = await get(client, url)
    assert other.status_code == 404 and "Web shop" not in other.text


def test_diff_plans_compares_microsteps_by_id() -> None:
    old = plan_bytes()
    raw = json.loads(old)
    raw["milestones"][1]["steps"][0]["microsteps"][0]["status"] = "done"
    raw["milestones"][1]["steps"][0]["microsteps"][0]["notes"] = [{"id": "n1", "text": "shipped"}]
    change = diff_plans(old, json.dumps(raw, indent=2).encode())
    [status] = change.status_changed
    assert (status.id, status.old_status, status.new_status) == ("ms-211", "in_progress", "done")
    assert [(c.id, c.fields) for c in change.fields_changed] == [("ms-211", ["notes"])]
    assert not change.added and not change.removed and not change.identical and not change.truncated
    assert diff_plans(old, old).identical


def test_a_long_diff_is_cut() -> None:
    raw = json.loads(plan_bytes())
    for milestone in raw["milestones"]:
        for step in milestone["steps"]:
            for micro in step["microsteps"]:
                micro["title"] += " (renamed)"
    change = diff_plans(plan_bytes(), json.dumps(raw, indent=2).encode(), max_lines=20)
    assert len(change.lines) == 20 and change.truncated and len(change.fields_changed) == 30


def test_a_huge_change_skips_the_text_diff() -> None:
    old = [f"line {n}" for n in range(100)]
    assert unified_diff(old, [*old[:10], *(f"new {n}" for n in range(80)), *old[90:]], "a", "b", max_changed=50) is None


def _apply(old: list[str], diff: list[str]) -> list[str]:
    """Apply a unified diff to ``old`` (to check that the hunks' line numbers are right)."""
    out: list[str] = []
    position = 0
    for line in diff[2:]:
        if line.startswith("@@"):
            match = re.match(r"@@ -(\d+)(?:,(\d+))? \+", line)
            assert match is not None
            start, length = int(match.group(1)), int(match.group(2) or 1)
            begin = start - 1 if length else start
            out.extend(old[position:begin])
            position = begin
        elif line.startswith("-"):
            position += 1
        elif line.startswith("+"):
            out.append(line[1:])
        else:
            out.append(old[position])
            position += 1
    return out + old[position:]


@given(st.lists(st.sampled_from("abcde"), max_size=40), st.data())
def test_unified_diff_patches_old_into_new(old: list[str], data: st.DataObject) -> None:
    new = list(old)
    for _ in range(data.draw(st.integers(0, 5))):
        if new and data.draw(st.booleans()):
            del new[data.draw(st.integers(0, len(new) - 1))]
        else:
            new.insert(data.draw(st.integers(0, len(new))), data.draw(st.sampled_from("xyz")))
    diff = unified_diff(old, new, "old", "new")
    assert diff is not None
    lines = list(diff)
    assert _apply(old, lines) == new
    assert (not lines) == (old == new)
