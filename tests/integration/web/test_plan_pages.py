"""The plan tree (filters, search, paging) and a microstep's page (criteria checkboxes, status change)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.orgs.services import OrgService
from app.domain.projects.services import PAGE_SIZE, PlanService, ProjectService
from buildrunner.spec.document import encode_plan
from tests.integration.web._project_helpers import (
    assert_fragment,
    assert_full_page,
    assert_labelled,
    current,
    get,
    post,
    with_plan,
)
from tests.integration.web.conftest import HX, Client, World, sign_in

# -- the plan tree ----------------------------------------------------------------------------------


async def test_plan_tree_shows_milestones_steps_and_microsteps(client: Client, db: AsyncSession,
                                                                world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, "/p/WEB"))
    assert "<h1>Web shop" in text and 'aria-current="page">Plan</a>' in text
    assert '<progress max="30" value="6" aria-label="Progress of the whole plan">' in text and "6/30 done" in text
    assert '<details class="milestone" open>' in text and "Foundations" in text and "Repository and CI" in text
    assert 'href="/p/WEB/m/ms-123">Seed data for local development</a>' in text
    assert '<span class="badge status-review">In review</span>' in text  # status in words, not colour alone
    assert "Owner: bob" in text and '<span class="tag">dx</span>' in text and "Criteria met: 1/2" in text
    assert '<p id="plan-count" class="count" role="status" aria-live="polite">30 microsteps match.</p>' in text
    assert 'hx-trigger="input changed delay:300ms, submit"' in text and 'hx-push-url="true"' in text
    assert 'action="/p/WEB"' in text and 'method="get"' in text  # the filters work without JavaScript
    assert_labelled(text)


async def test_plan_tree_fragment_swaps_only_the_tree(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await get(client, "/p/WEB?status=done", headers=HX))
    assert text.lstrip().startswith("<span id=\"plan-count\" hx-swap-oob=\"innerHTML\">6 microsteps match.</span>")
    assert '<div id="plan-tree"' in text and "<h1" not in text and "<form" not in text


@pytest.mark.parametrize(("query", "expected"), [
    ("status=done", 6),
    ("owner=alice", 5),
    ("tag=auth", 4),
    ("q=SEED", 1),  # search ignores case
    ("q=ms-12", 3),  # and looks at ids
    ("status=todo&owner=bob&tag=auth", 1),
    ("q=nothing+like+this", 0),
])
async def test_filters_and_search(client: Client, db: AsyncSession, world: World, query: str, expected: int) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "carol@example.com")
    text = assert_full_page(await get(client, f"/p/WEB?{query}"))
    assert len(re.findall(r'<a href="/p/WEB/m/', text)) == expected
    if expected:
        assert f"{expected} microstep" in text
    else:
        assert "No microsteps match." in text and "Nothing matches these filters." in text
    assert "6/30 done" in text  # overall progress is not narrowed by the filters


async def test_filter_choices_come_from_the_plan(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = await get(client, "/p/WEB?owner=alice")
    assert '<option value="alice" selected>alice</option>' in text.text
    assert '<option value="security" >security</option>' in text.text


@pytest.mark.parametrize("query", [
    "status=bogus", "page=0", "page=abc", "page=99999999999999999999", "q=" + "x" * 201, "q=a%00b", "owner=%00",
    "tag=%00", "org=%00",
])
async def test_bad_filters_are_a_4xx(client: Client, db: AsyncSession, world: World, query: str) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await get(client, f"/p/WEB?{query}")
    assert 400 <= response.status_code < 500 and "Traceback" not in response.text


async def test_big_plans_are_paged(client: Client, db: AsyncSession, world: World) -> None:
    micros = [{"id": f"ms-{n:04d}", "title": f"Task {n}", "status": "done" if n % 2 else "todo"}
              for n in range(PAGE_SIZE + 40)]
    raw = {"version": 1, "project": {"name": "Big"}, "milestones": [
        {"id": "m-1", "title": "One", "steps": [{"id": "st-1", "title": "All", "microsteps": micros}]},
        {"id": "m-2", "title": "Empty milestone"},
    ]}
    await PlanService(db).save(world.alice, "WEB", encode_plan(raw), expected_revision=0)
    await sign_in(client, db, "alice@example.com")
    first = assert_full_page(await get(client, "/p/WEB"))
    assert len(re.findall(r'<a href="/p/WEB/m/', first)) == PAGE_SIZE and "Page 1 of 2" in first
    assert 'rel="next" href="/p/WEB?page=2"' in first and "Empty milestone" not in first
    second = assert_full_page(await get(client, "/p/WEB?page=2"))
    assert len(re.findall(r'<a href="/p/WEB/m/', second)) == 40 and "Empty milestone" in second
    filtered = await get(client, "/p/WEB?status=done&page=2", headers=HX)
    text = assert_fragment(filtered)  # 270 done: one page only
    assert "There is no page 2." in text and 'href="/p/WEB?status=done&amp;page=1"' in text


async def test_a_project_without_a_plan_says_so(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, "/p/WEB"))
    assert "This project has no plan yet." in text and 'href="/p/WEB/upload"' in text


async def test_colliding_keys_need_the_org(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await OrgService(db).add_member(world.eve, "globex", "alice@example.com", "admin")
    await ProjectService(db).create(world.eve, "globex", "web", "Globex web")
    await sign_in(client, db, "alice@example.com")
    ambiguous = await get(client, "/p/WEB")
    assert ambiguous.status_code == 422 and "globex" in ambiguous.text and "acme" in ambiguous.text
    text = assert_full_page(await get(client, "/p/WEB?org=acme"))
    assert 'href="/p/WEB/m/ms-111?org=acme"' in text and '<input type="hidden" name="org" value="acme">' in text
    assert "This project has no plan yet." in assert_full_page(await get(client, "/p/web?org=globex"))


@pytest.mark.parametrize(("url", "status"), [
    ("/p/%00", 422), ("/p/WEB/m/%00", 422), ("/p/" + "É" * 500, 404), ("/p/WEB/m/" + "x" * 5000, 404),
    ("/p/WEB/m/%F0%9F%A6%84", 404), ("/p/WEB/history?org=%00", 422), ("/p/WEB/members?org=" + "x" * 300, 404),
])
async def test_odd_keys_and_ids_are_4xx(client: Client, db: AsyncSession, world: World, url: str,
                                        status: int) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await get(client, url)
    assert response.status_code == status and "Traceback" not in response.text


@pytest.mark.parametrize("url", ["/p/WEB", "/p/WEB/m/ms-111", "/p/WEB/upload"])
async def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: AsyncSession, world: World,
                                                      url: str) -> None:
    response = await get(client, url)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next={url.replace('/', '%2F')}"


@pytest.mark.parametrize("url", ["/p/WEB", "/p/WEB/m/ms-111", "/p/WEB/upload", "/p/NOPE", "/p/WEB/m/nope"])
async def test_other_organizations_see_nothing(client: Client, db: AsyncSession, world: World, url: str) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "eve@example.com" if "WEB/" in url or url == "/p/WEB" else "alice@example.com")
    response = await get(client, url)
    assert response.status_code == 404 and "Web shop" not in response.text


# -- a microstep --------------------------------------------------------------------------------------


async def test_microstep_page_for_a_worker(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "carol@example.com")
    text = assert_full_page(await get(client, "/p/WEB/m/ms-123"))
    assert "<h1>Seed data for local development</h1>" in text
    assert "<dt>Owner</dt><dd>bob</dd>" in text and "2.0 hours" in text and '<span class="tag">dx</span>' in text
    assert 'aria-label="Breadcrumb"' in text and "Foundations" in text and "Data model" in text
    assert '<div id="status-region" class="region" aria-live="polite"' in text
    assert 'action="/p/WEB/m/ms-123/status"' in text and 'hx-post="/p/WEB/m/ms-123/status"' in text
    assert 'action="/p/WEB/m/ms-123/criteria/c1"' in text and 'type="checkbox"' in text
    assert not re.search(r'id="criterion-\d" name="met" value="true" checked', text)  # neither is met yet
    done = await get(client, "/p/WEB/m/ms-111")
    assert re.search(r'id="criterion-1" name="met" value="true" checked', done.text)
    assert text.count('name="_csrf_token"') >= 3
    assert_labelled(text)


async def test_microstep_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await get(client, "/p/WEB/m/ms-123", headers=HX))
    assert "<h1>Seed data for local development</h1>" in text and 'id="status-region"' in text


async def test_a_viewer_sees_no_forms_and_cannot_post(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "dan@example.com")
    text = assert_full_page(await get(client, "/p/WEB/m/ms-123"))
    main = text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main and "✗ Not met:" in main and "<select" not in main
    assert 'href="/p/WEB/upload"' not in text
    assert (await post(client, "/p/WEB/m/ms-123/status", {"status": "done"})).status_code == 403
    assert (await post(client, "/p/WEB/m/ms-123/criteria/c2", {"met": "true"})).status_code == 403
    assert (await post(client, "/p/WEB/m/ms-123/status", {"status": "bogus"})).status_code == 403
    assert await current(db, world, "ms-123") == (2, "review", [False, False])


async def test_status_change_without_javascript(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "bob@example.com")
    response = await post(client, "/p/WEB/m/ms-123/status", {"status": "blocked"})
    assert response.status_code == 303 and response.headers["location"] == "/p/WEB/m/ms-123"
    assert await current(db, world, "ms-123") == (3, "blocked", [False, False])
    page = await get(client, "/p/WEB/m/ms-123")
    assert "Status of ms-123 changed to Blocked." in page.text  # the flash
    assert '<span class="badge status-blocked">Blocked</span>' in page.text


async def test_status_change_in_place(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "carol@example.com")
    text = assert_fragment(await post(client, "/p/WEB/m/ms-123/status", {"status": "in_progress"}, headers=HX))
    assert "Status of ms-123 changed to In progress." in text and "status-in_progress" in text
    assert text.lstrip().startswith('<p aria-atomic="true">Current status:')
    assert await current(db, world, "ms-123") == (3, "in_progress", [False, False])


async def test_done_with_unmet_criteria_is_refused_inline(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await post(client, "/p/WEB/m/ms-123/status", {"status": "done"}), status=422)
    assert 'id="status-error" role="alert"' in text and "cannot be done" in text and "c2" in text
    assert 'aria-invalid="true" aria-describedby="status-error"' in text
    fragment = assert_fragment(await post(client, "/p/WEB/m/ms-123/status", {"status": "done"}, headers=HX), 422)
    assert "cannot be done" in fragment
    assert await current(db, world, "ms-123") == (2, "review", [False, False])


@pytest.mark.parametrize("form", [{"status": "bogus"}, {}, {"status": "to\x00do"}, {"status": "ü" * 5000}])
async def test_bad_status_values_change_nothing(client: Client, db: AsyncSession, world: World,
                                                form: dict[str, str]) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await post(client, "/p/WEB/m/ms-123/status", form)
    assert response.status_code == 422 and "use one of" in response.text
    assert await current(db, world, "ms-123") == (2, "review", [False, False])


async def test_criteria_checkbox_without_and_with_javascript(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "carol@example.com")
    checked = await post(client, "/p/WEB/m/ms-123/criteria/c2", {"met": "true"})
    assert checked.status_code == 303 and checked.headers["location"] == "/p/WEB/m/ms-123"
    assert await current(db, world, "ms-123") == (3, "review", [False, True])
    assert "Criterion c2 is met." in (await get(client, "/p/WEB/m/ms-123")).text
    text = assert_fragment(await post(client, "/p/WEB/m/ms-123/criteria/c1", {"met": "true"}, headers=HX))
    assert '<span id="criteria-status" hx-swap-oob="innerHTML">Criterion c1 is met.</span>' in text
    assert len(re.findall(r'name="met" value="true" checked', text)) == 2
    text = assert_fragment(await post(client, "/p/WEB/m/ms-123/criteria/c2", {}, headers=HX))  # box unchecked
    assert "Criterion c2 is not met." in text
    assert await current(db, world, "ms-123") == (5, "review", [True, False])


async def test_unchecking_a_done_microstep_is_refused(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await post(client, "/p/WEB/m/ms-111/criteria/c1", {}, headers=HX), status=422)
    assert 'id="criteria-error" role="alert"' in text and "move it out of done" in text
    assert (await current(db, world, "ms-111"))[0] == 2


@pytest.mark.parametrize("url", [
    "/p/WEB/m/ms-123/criteria/c9", "/p/WEB/m/nope/criteria/c1", "/p/WEB/m/nope/status", f"/p/WEB/m/{'x' * 300}/status",
    "/p/NOPE/m/ms-123/status",
])
async def test_unknown_targets_are_404(client: Client, db: AsyncSession, world: World, url: str) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await post(client, url, {"status": "todo", "met": "true"})
    assert response.status_code == 404
    assert (await current(db, world, "ms-123"))[0] == 2


async def test_posts_need_a_csrf_token_and_a_session(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    refused = await client.post("/p/WEB/m/ms-123/status", data={"status": "todo"}, follow_redirects=False)
    assert refused.status_code == 403
    client.cookies.delete("br_session")
    anonymous = await post(client, "/p/WEB/m/ms-123/status", {"status": "todo"})
    assert anonymous.status_code == 401
    assert await current(db, world, "ms-123") == (2, "review", [False, False])
