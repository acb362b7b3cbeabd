"""Organization pages: list and create, one organization with members and projects, adding members; tenancy."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, Organization
from app.domain.orgs.services import OrgService
from tests.integration.web.conftest import HX, Client, World, csrf, sign_in
from tests.integration.web.test_account_pages import assert_fragment, assert_page, count, submit


async def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    for path in ("/orgs", "/orgs/acme"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=%2Forgs")
    assert (await submit(client, "/orgs", {"slug": "new", "name": "New"})).status_code == 401
    assert (await submit(client, "/orgs/acme/members", {"email": "eve@example.com"})).status_code == 401


async def test_orgs_page_full_and_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "bob@example.com")
    full = await client.get("/orgs")
    assert_page(full, 200, "Organizations")
    assert '<a href="/orgs/acme">Acme</a>' in full.text and "Member" in full.text and "Globex" not in full.text
    assert 'id="slug-hint"' in full.text and "lowercase letters, digits and dashes" in full.text
    assert '<th scope="col">' in full.text
    assert_fragment(await client.get("/orgs", headers=HX), 'id="org-form"', "Acme")


async def test_create_org_makes_you_its_owner(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "bob@example.com")
    response = await submit(client, "/orgs", {"slug": "Bob-Labs", "name": "Bob Labs ✨"})
    assert response.status_code == 303 and response.headers["location"] == "/orgs/bob-labs"
    page = await client.get("/orgs/bob-labs")
    assert_page(page, 200, "Bob Labs ✨")
    assert "The organization Bob Labs ✨ is created." in page.text and "your role: Owner" in page.text


@pytest.mark.parametrize(("form", "field", "message", "status"), [
    ({"slug": "", "name": "X"}, "slug", "use 1–63 lowercase letters", 422),
    ({"slug": "-x", "name": "X"}, "slug", "use 1–63 lowercase letters", 422),
    ({"slug": "a b", "name": "X"}, "slug", "use 1–63 lowercase letters", 422),
    ({"slug": "é", "name": "X"}, "slug", "use 1–63 lowercase letters", 422),
    ({"slug": "a" * 64, "name": "X"}, "slug", "use 1–63 lowercase letters", 422),
    ({"slug": "ok\x00", "name": "X"}, "slug", "control characters", 422),
    ({"slug": "ok", "name": ""}, "name", "name of 1–200 characters", 422),
    ({"slug": "ok", "name": "n" * 201}, "name", "name of 1–200 characters", 422),
    ({"slug": "ok", "name": "a\x00"}, "name", "control characters", 422),
    ({"slug": "acme", "name": "Again"}, "slug", "is taken", 409),
])
async def test_create_org_bad_input_is_inline_and_changes_nothing(
        client: Client, db: AsyncSession, world: World, form: dict[str, str], field: str, message: str,
        status: int) -> None:
    await sign_in(client, db, "bob@example.com")
    response = await submit(client, "/orgs", form)
    assert response.status_code == status, response.text
    assert message in response.text and f'id="{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert await count(db, Organization) == 2
    fragment = await client.post("/orgs", data={**form, "_csrf_token": await csrf(client)}, headers=HX)
    assert_fragment(fragment, 'id="org-form"', message)


async def test_org_page_full_and_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    full = await client.get("/orgs/acme")
    assert_page(full, 200, "Acme")
    assert '<th scope="row">carol@example.com</th>' in full.text and "Owner" in full.text
    assert 'href="/p/WEB?org=acme"' in full.text and 'id="member-form"' in full.text
    fragment = await client.get("/orgs/acme", headers=HX)
    assert_fragment(fragment, 'id="members"', "/p/WEB?org=acme")


async def test_other_and_missing_orgs_are_not_found(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "eve@example.com")
    for path in ("/orgs/acme", "/orgs/nothing", "/orgs/%00", "/orgs/" + "x" * 300):
        assert (await client.get(path)).status_code == 404, path
    refused = await submit(client, "/orgs/acme/members", {"email": "eve@example.com", "role": "owner"})
    assert refused.status_code == 404
    assert await OrgService(db).role_of(world.eve.user_id, (await org_id(db, "acme"))) is None


async def org_id(db: AsyncSession, slug: str) -> object:
    return await db.scalar(select(Organization.id).where(Organization.slug == slug))


async def test_members_cannot_add_members(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "bob@example.com")
    page = await client.get("/orgs/acme")
    assert page.status_code == 200 and 'id="member-form"' not in page.text
    refused = await submit(client, "/orgs/acme/members", {"email": "eve@example.com", "role": "admin"})
    assert refused.status_code == 403 and "only owners and admins" in refused.text
    assert await count(db, Membership) == 5


async def test_owner_adds_a_member_and_changes_a_role(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    added = await submit(client, "/orgs/acme/members", {"email": "EVE@example.com", "role": "admin"})
    assert added.status_code == 303 and added.headers["location"] == "/orgs/acme"
    page = await client.get("/orgs/acme")
    assert "eve@example.com is now Admin." in page.text
    assert await OrgService(db).role_of(world.eve.user_id, await org_id(db, "acme")) == "admin"  # type: ignore[arg-type]


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"email": "", "role": "member"}, "email", "enter an email address"),
    ({"email": "ghost@example.com", "role": "member"}, "email", "ask them to sign up first"),
    ({"email": "eve@example.com", "role": "king"}, "role", "use one of owner, admin, member"),
    ({"email": "eve@example.com\x00", "role": "member"}, "email", "control characters"),
])
async def test_add_member_bad_input_is_inline(client: Client, db: AsyncSession, world: World, form: dict[str, str],
                                              field: str, message: str) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await submit(client, "/orgs/acme/members", form)
    assert response.status_code == 422, response.text
    assert message in response.text and f'id="{field}-error"' in response.text
    assert await count(db, Membership) == 5
    fragment = await client.post("/orgs/acme/members", data={**form, "_csrf_token": await csrf(client)}, headers=HX)
    assert_fragment(fragment, 'id="member-form"', message)


async def test_org_post_without_csrf_token_is_refused(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await client.post("/orgs", data={"slug": "sneaky", "name": "Sneaky"})
    assert response.status_code == 403
    assert await count(db, Organization) == 2
