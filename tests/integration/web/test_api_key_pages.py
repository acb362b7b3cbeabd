"""API key pages: list, create (the secret shown once), revoke; who may use them; bad input."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ApiKey
from app.domain.accounts.services import ApiKeyService
from app.lib.errors import Unauthorized
from tests.integration.web.conftest import HX, Client, World, csrf, sign_in
from tests.integration.web.test_account_pages import assert_fragment, assert_page, count, submit

KEYS = "/settings/api-keys"


async def create_key(client: Client, **form: object) -> str:
    response = await submit(client, KEYS, {"name": "CI", "scopes": ["plan:read", "plan:write"], **form})
    assert response.status_code == 201, response.text
    secret = re.search(r'id="api-key-secret"[^>]*>([^<]+)<', response.text)
    assert secret is not None
    return secret.group(1)


async def test_anonymous_and_api_key_callers_are_kept_out(client: Client, db: AsyncSession, world: World) -> None:
    page = await client.get(KEYS, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fsettings%2Fapi-keys"
    assert (await submit(client, KEYS, {"name": "x", "scopes": "admin"})).status_code == 401
    key = await ApiKeyService(db).create(world.alice.user_id, name="k", scopes=["admin"])
    bearer = await client.get(KEYS, headers={"Authorization": f"Bearer {key.secret}"})
    assert bearer.status_code == 403 and "signed-in browser" in bearer.text
    assert await count(db, ApiKey) == 1


async def test_keys_page_full_and_fragment(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    full = await client.get(KEYS)
    assert_page(full, 200, "API keys")
    assert "You have no API keys yet." in full.text and '<legend>Scopes</legend>' in full.text
    assert '<option value="acme">Acme</option>' in full.text and "globex" not in full.text
    assert_fragment(await client.get(KEYS, headers=HX), 'id="api-key-form"', 'id="api-keys"')


async def test_create_shows_the_secret_once_and_it_works(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await submit(client, KEYS, {"name": "CI", "scopes": "plan:read", "expires_in_days": "30",
                                           "org": "acme"})
    assert response.status_code == 201 and response.headers["cache-control"] == "no-store"
    assert "shown this once" in response.text and response.text.count("<h1") == 1
    secret = re.search(r'id="api-key-secret"[^>]*>([^<]+)<', response.text)
    assert secret is not None
    principal = await ApiKeyService(db).authenticate(secret.group(1))
    assert principal.scopes == frozenset({"plan:read"}) and principal.organization_id is not None
    listing = await client.get(KEYS)
    assert secret.group(1) not in listing.text and "CI" in listing.text and "Active" in listing.text
    assert secret.group(1)[:11] in listing.text  # the prefix, br_xxxxxxxx
    fragment = await client.post(KEYS, data={"name": "hx", "scopes": "admin", "_csrf_token": await csrf(client)},
                                 headers=HX)
    assert fragment.status_code == 201
    assert_fragment(fragment, 'id="api-key-secret"')


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"name": "CI"}, "scopes", "use one or more of"),
    ({"name": "CI", "scopes": "root"}, "scopes", "use one or more of"),
    ({"name": "", "scopes": "admin"}, "name", "give the key a name"),
    ({"name": "n" * 201, "scopes": "admin"}, "name", "at most 200 characters"),
    ({"name": "a\x00b", "scopes": "admin"}, "name", "control characters"),
    ({"name": "CI", "scopes": "admin", "expires_in_days": "abc"}, "expires_in_days", "whole number of days"),
    ({"name": "CI", "scopes": "admin", "expires_in_days": "0"}, "expires_in_days", "whole number of days"),
    ({"name": "CI", "scopes": "admin", "expires_in_days": "-1"}, "expires_in_days", "whole number of days"),
    ({"name": "CI", "scopes": "admin", "expires_in_days": "9" * 40}, "expires_in_days", "whole number of days"),
    ({"name": "CI", "scopes": "admin", "expires_in_days": "٣"}, "expires_in_days", "whole number of days"),
    ({"name": "CI", "scopes": "admin", "org": "globex"}, "org", "no organization"),
    ({"name": "CI", "scopes": "admin", "org": "nope\x00"}, "org", "control characters"),
])
async def test_bad_input_is_shown_inline_and_creates_nothing(
        client: Client, db: AsyncSession, world: World, form: dict[str, str], field: str, message: str) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await submit(client, KEYS, form)
    assert response.status_code == 422, response.text
    assert message in response.text and 'role="alert"' in response.text and f'id="{field}-error"' in response.text
    assert await count(db, ApiKey) == 0


async def test_revoke_confirm_and_revoke(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    secret = await create_key(client)
    [info] = await ApiKeyService(db).list_for_user(world.alice.user_id)
    confirm = await client.get(f"{KEYS}/{info.id}/revoke")
    assert_page(confirm, 200, "Revoke an API key")
    assert "Yes, revoke “CI”" in confirm.text and "cannot be undone" in confirm.text
    assert_fragment(await client.get(f"{KEYS}/{info.id}/revoke", headers=HX), 'id="revoke-confirm"')
    done = await submit(client, f"{KEYS}/{info.id}/revoke", {})
    assert done.status_code == 303 and done.headers["location"] == KEYS
    listing = await client.get(KEYS)
    assert "Revoked" in listing.text and "is revoked" in listing.text
    with pytest.raises(Unauthorized, match="revoked"):
        await ApiKeyService(db).authenticate(secret)


async def test_someone_elses_key_is_not_found(client: Client, db: AsyncSession, world: World) -> None:
    key = await ApiKeyService(db).create(world.eve.user_id, name="eve's", scopes=["admin"])
    await sign_in(client, db, "alice@example.com")
    assert (await client.get(f"{KEYS}/{key.info.id}/revoke")).status_code == 404
    assert (await submit(client, f"{KEYS}/{key.info.id}/revoke", {})).status_code == 404
    assert (await client.get(f"{KEYS}/{uuid4()}/revoke")).status_code == 404
    assert (await client.get(f"{KEYS}/not-a-uuid/revoke")).status_code in (400, 404)
    assert (await ApiKeyService(db).authenticate(key.secret)).email == "eve@example.com"
