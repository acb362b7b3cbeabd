"""The dashboard, creating a project, and a project's members page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.services import ProjectService
from tests.integration.web._project_helpers import (
    assert_fragment,
    assert_full_page,
    assert_labelled,
    get,
    post,
    with_plan,
)
from tests.integration.web.conftest import HX, Client, World, sign_in

NEW = {"org": "acme", "key": "api", "name": "Public API", "description": "The REST API"}


async def project_keys(db: AsyncSession, world: World) -> list[str]:
    return [summary.key for summary in await ProjectService(db).list_visible(world.alice)]


async def roles(db: AsyncSession, world: World) -> dict[str, str]:
    return {email: role for email, _, role in await ProjectService(db).members(world.alice, "WEB")}


# -- dashboard ----------------------------------------------------------------------------------------


async def test_anonymous_visitors_get_a_landing_page(client: Client) -> None:
    text = assert_full_page(await get(client, "/"))
    assert 'href="/login"' in text and 'href="/signup"' in text and "<table" not in text
    assert "<h1>Plan your builds with BuildRunner</h1>" in assert_full_page(await get(client, "/", headers=HX))


async def test_dashboard_lists_my_projects_with_progress(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await ProjectService(db).create(world.alice, "acme", "ops", "Operations")
    await sign_in(client, db, "dan@example.com")
    text = assert_full_page(await get(client, "/"))
    assert "<h1>Dashboard</h1>" in text and 'href="/projects/new"' in text
    assert "<caption>Projects of your organizations, with microsteps by status</caption>" in text
    assert '<th scope="col">In review</th>' in text and '<th scope="row"><a href="/p/WEB">Web shop</a>' in text
    assert '<progress max="30" value="6" aria-label="Progress of Web shop">' in text and "6/30 done" in text
    assert "<td>Viewer</td>" in text and "No plan yet" in text  # OPS has no plan; dan views acme's projects
    row = text.split('href="/p/WEB"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["20", "1", "1", "2", "6"]


async def test_dashboard_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await get(client, "/", headers=HX))
    assert '<section id="projects"' in text and "Web shop" in text


async def test_other_organizations_projects_are_not_listed(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "eve@example.com")
    text = assert_full_page(await get(client, "/"))
    assert "Web shop" not in text and "You have no projects yet." in text


# -- new project ------------------------------------------------------------------------------------------


async def test_new_project_form(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, "/projects/new?org=acme"))
    assert '<option value="acme" selected>Acme (acme)</option>' in text and "globex" not in text
    assert 'method="post" action="/projects/new"' in text and 'name="_csrf_token"' in text
    assert_labelled(text)
    assert '<form id="project-form"' in assert_fragment(await get(client, "/projects/new", headers=HX))


async def test_create_a_project(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "bob@example.com")
    response = await post(client, "/projects/new", {**NEW, "name": "Café ☕ API"})
    assert response.status_code == 303 and response.headers["location"] == "/p/API?org=acme"
    page = assert_full_page(await get(client, response.headers["location"]))
    assert "Project API created." in page and "Café ☕ API" in page
    assert "API" in await project_keys(db, world)


@pytest.mark.parametrize(("form", "field", "status"), [
    ({**NEW, "key": "9 lives"}, "key", 422),
    ({**NEW, "key": "WEB"}, "key", 409),
    ({**NEW, "name": ""}, "name", 422),
    ({**NEW, "name": "x" * 201}, "name", 422),
    ({**NEW, "org": "globex"}, "org", 422),
    ({**NEW, "name": "nul\x00name"}, "name", 422),
    ({"org": "acme"}, "key", 422),
    ({}, "org", 422),
])
async def test_bad_project_forms_show_the_field(client: Client, db: AsyncSession, world: World,
                                                form: dict[str, str], field: str, status: int) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await post(client, "/projects/new", form), status=status)
    assert f'id="{field}-error" role="alert"' in text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', text), text
    assert await project_keys(db, world) == ["WEB"]


async def test_bad_project_form_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_fragment(await post(client, "/projects/new", {**NEW, "key": ""}, headers=HX), status=422)
    assert 'id="key-error" role="alert"' in text


async def test_new_project_needs_sign_in_and_csrf(client: Client, db: AsyncSession, world: World) -> None:
    response = await get(client, "/projects/new")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fprojects%2Fnew"
    await sign_in(client, db, "alice@example.com")
    refused = await client.post("/projects/new", data=NEW, follow_redirects=False)
    assert refused.status_code == 403
    assert await project_keys(db, world) == ["WEB"]


# -- members --------------------------------------------------------------------------------------------


async def test_members_page_for_a_pm(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, "/p/WEB/members"))
    assert "<caption>People with a role in this project</caption>" in text
    assert '<tr><th scope="row">dan@example.com</th><td>Dan</td><td>Viewer</td></tr>' in text
    assert 'method="post" action="/p/WEB/members"' in text and '<option value="TechLead"' in text
    assert_labelled(text)
    assert "dan@example.com" in assert_fragment(await get(client, "/p/WEB/members", headers=HX))


@pytest.mark.parametrize("who", ["bob", "carol", "dan"])
async def test_others_see_the_list_only(client: Client, db: AsyncSession, world: World, who: str) -> None:
    await sign_in(client, db, f"{who}@example.com")
    text = assert_full_page(await get(client, "/p/WEB/members"))
    assert "dan@example.com" in text and 'action="/p/WEB/members"' not in text
    refused = await post(client, "/p/WEB/members", {"email": f"{who}@example.com", "role": "PM"})
    assert refused.status_code == 403
    assert (await roles(db, world))[f"{who}@example.com"] != "PM"


async def test_a_pm_sets_a_role(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await post(client, "/p/WEB/members", {"email": " DAN@example.com ", "role": "QA"})
    assert response.status_code == 303 and response.headers["location"] == "/p/WEB/members"
    assert "dan@example.com is now QA." in (await get(client, "/p/WEB/members")).text.replace("DAN", "dan")
    assert (await roles(db, world))["dan@example.com"] == "QA"


@pytest.mark.parametrize(("form", "field"), [
    ({"email": "eve@example.com", "role": "QA"}, "email"),  # not in acme
    ({"email": "nobody@example.com", "role": "QA"}, "email"),
    ({"email": "dan@example.com", "role": "Boss"}, "role"),
    ({"email": "dan@example.com"}, "role"),
    ({"role": "QA"}, "email"),
    ({"email": "dan\x00@example.com", "role": "QA"}, "email"),
])
async def test_bad_member_forms(client: Client, db: AsyncSession, world: World, form: dict[str, str],
                                field: str) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await post(client, "/p/WEB/members", form), status=422)
    assert f'id="{field}-error" role="alert"' in text and re.search(rf'id="{field}"[^>]*aria-invalid="true"', text)
    assert (await roles(db, world))["dan@example.com"] == "Viewer" and "eve@example.com" not in await roles(db, world)
    fragment = assert_fragment(await post(client, "/p/WEB/members", form, headers=HX), status=422)
    assert f'id="{field}-error"' in fragment


async def test_members_of_other_organizations(client: Client, db: AsyncSession, world: World) -> None:
    assert (await get(client, "/p/WEB/members")).status_code == 303  # anonymous: to the sign-in page
    await sign_in(client, db, "eve@example.com")
    assert (await get(client, "/p/WEB/members")).status_code == 404
    assert (await post(client, "/p/WEB/members", {"email": "eve@example.com", "role": "PM"})).status_code == 404
    assert "eve@example.com" not in await roles(db, world)
