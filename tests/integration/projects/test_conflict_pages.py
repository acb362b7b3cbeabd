"""The conflict pages (``/p/{key}/conflicts``): full pages and htmx fragments, resolving with the form, errors shown
next to their conflict. Pages add rendering, not SQL, so these run on SQLite only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import sqlite_only
from tests.integration.api.conftest import fingerprint
from tests.integration.conftest import Client, World
from tests.integration.projects.sync_helpers import Callers, counts, current_plan, edited, microstep, put, with_plan
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, get, post
from tests.integration.web.conftest import HX, sign_in

database_url = sqlite_only()


@pytest.fixture
async def entry(client: Client, db: AsyncSession, world: World) -> tuple[Callers, dict[str, Any]]:
    """WEB at revision 2 (bob's titles) and an open entry: alice's push from revision 1 changed them too."""
    callers = await with_plan(db, world)
    bob = {"ms-111": {"title": "Bob's title"}, "ms-112": {"owner": "bobby"}, "ms-113": {"title": "Bob 3"}}
    alice = {"ms-111": {"title": "Alice's <title>"}, "ms-112": {"owner": "ally"}, "ms-113": {"title": "Alice 3"}}
    assert (await put(client, callers.bob, edited(bob), '"1"')).status_code == 200
    problem: dict[str, Any] = (await put(client, callers.alice, edited(alice), '"1"')).json()
    return callers, problem


def ids(problem: dict[str, Any]) -> dict[str, str]:
    """Conflict ids by path."""
    return {item["path"]: item["id"] for item in problem["conflicts"]}


async def test_the_list_and_the_entry_render_whole_and_as_fragments(client: Client, db: AsyncSession, world: World,
                                                                     entry: tuple[Callers, dict[str, Any]]) -> None:
    _, problem = entry
    await sign_in(client, db, "dan@example.com")  # a Viewer sees the conflicts but gets no form
    text = assert_full_page(await get(client, "/p/WEB/conflicts"))
    assert f'href="/p/WEB/conflicts/{problem["conflict_id"]}"' in text and "1 entry." in text
    assert 'aria-current="page">Conflicts<' in text
    fragment = assert_fragment(await get(client, "/p/WEB/conflicts?status=resolved", headers=HX))
    assert 'id="conflict-entries"' in fragment and "No conflicts here" in fragment
    assert (await get(client, "/p/WEB/conflicts?status=maybe")).status_code == 422
    page = assert_full_page(await get(client, f"/p/WEB/conflicts/{problem['conflict_id']}"))
    assert "Alice&#39;s &lt;title&gt;" in page and "Bob&#39;s title" in page  # escaped, pretty-printed JSON
    assert "<th scope=\"col\">Mine (pushed)</th>" in page and "<form" not in page.split('id="resolve"')[1]
    plan = assert_full_page(await get(client, "/p/WEB"))
    assert 'href="/p/WEB/conflicts?status=open"' in plan and "1 push is waiting" in plan
    await sign_in(client, db, "alice@example.com")
    page = assert_full_page(await get(client, f"/p/WEB/conflicts/{problem['conflict_id']}"))
    for item_id in ids(problem).values():
        for choice in ("ours", "theirs", "edit"):
            assert f'id="choice-{item_id}-{choice}"' in page
        assert f'<label for="value-{item_id}">' in page
    fragment = assert_fragment(await get(client, f"/p/WEB/conflicts/{problem['conflict_id']}", headers=HX))
    assert fragment.lstrip().startswith('<div id="resolve">') and "<form" in fragment


async def test_the_form_resolves_every_conflict(client: Client, db: AsyncSession, world: World,
                                               entry: tuple[Callers, dict[str, Any]]) -> None:
    callers, problem = entry
    await sign_in(client, db, "bob@example.com")
    by_path = ids(problem)
    form = {f"choice-{by_path['microstep[ms-111].title']}": "ours",
            f"choice-{by_path['microstep[ms-112].owner']}": "theirs",
            f"choice-{by_path['microstep[ms-113].title']}": "edit",
            f"value-{by_path['microstep[ms-113].title']}": '"Both 3"'}
    answer = await post(client, f"/p/WEB/conflicts/{problem['conflict_id']}", form)
    assert answer.status_code == 303 and answer.headers["location"] == "/p/WEB/conflicts"
    number, plan = await current_plan(client, callers.bob)
    assert number == 3 and [microstep(plan, "ms-111")["title"], microstep(plan, "ms-112")["owner"],
                            microstep(plan, "ms-113")["title"]] == ["Alice's <title>", "bobby", "Both 3"]
    listed = assert_full_page(await client.get("/p/WEB/conflicts"))
    assert "Conflicts resolved: revision 3 saved." in listed and "Resolved in revision 3" in listed
    page = assert_full_page(await get(client, f"/p/WEB/conflicts/{problem['conflict_id']}"))
    assert "Resolved by bob@example.com in revision 3." in page and "<form" not in page.split('id="resolve"')[1]
    assert (await post(client, f"/p/WEB/conflicts/{problem['conflict_id']}", form)).status_code == 409


async def test_bad_choices_show_the_form_again_and_change_nothing(client: Client, db: AsyncSession, world: World,
                                                                  entry: tuple[Callers, dict[str, Any]]) -> None:
    _, problem = entry
    await sign_in(client, db, "alice@example.com")
    by_path = ids(problem)
    edited_id, missing_id = by_path["microstep[ms-113].title"], by_path["microstep[ms-112].owner"]
    form = {f"choice-{by_path['microstep[ms-111].title']}": "ours", f"choice-{edited_id}": "edit",
            f"value-{edited_id}": "Both 3"}  # not JSON: a string needs quotes
    before = await fingerprint(db)
    url = f"/p/WEB/conflicts/{problem['conflict_id']}"
    for headers in ({}, HX):
        answer = await post(client, url, form, headers=headers)
        text = assert_full_page(answer, 422) if not headers else assert_fragment(answer, 422)
        assert f'id="conflict-{edited_id}-error"' in text and "not valid JSON" in text
        assert f'id="conflict-{missing_id}-error"' in text and "Keep mine, Keep theirs or Edit" in text
        assert re.search(rf'id="value-{edited_id}"[^>]*aria-invalid="true"', text)
        assert ">Both 3</textarea>" in text  # what was typed comes back
        assert re.search(r'value="ours"\s+checked', text)
    linted = {**form, f"value-{edited_id}": "7", f"choice-{missing_id}": "ours"}  # a title must be text
    answer = await post(client, url, linted)
    assert answer.status_code == 422 and "the plan has 1 problem" in answer.text
    assert re.search(r"<li><code>BR\d+</code> <code>\$\.milestones\[0\]", answer.text)
    assert await fingerprint(db) == before
    assert await counts(db) == (2, 1)


async def test_another_organizations_conflict_is_not_found(client: Client, db: AsyncSession, world: World,
                                                          entry: tuple[Callers, dict[str, Any]]) -> None:
    _, problem = entry
    await sign_in(client, db, "eve@example.com")
    url = f"/p/WEB/conflicts/{problem['conflict_id']}"
    assert (await get(client, url)).status_code == 404
    assert (await get(client, "/p/WEB/conflicts")).status_code == 404
    assert (await post(client, url, {"choice-x": "ours"})).status_code == 404
    await sign_in(client, db, "carol@example.com")  # QA: may look, may not resolve
    assert (await get(client, url)).status_code == 200
    assert (await post(client, url, {"choice-x": "ours"})).status_code == 403
    assert (await get(client, "/p/WEB/conflicts/00000000-0000-7000-8000-000000000000")).status_code == 404
