"""Impersonation in the browser: the admin page, the banner on every page, what is refused meanwhile, and the
ledger naming both people for what was done."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry, Impersonation
from app.domain.accounts.services import AccountService
from app.domain.mail.services import MailService
from tests.integration.conftest import PASSWORD
from tests.integration.web.conftest import Client, World, csrf, sign_in

REASON = "Support ticket 4711: cannot add a member"


@pytest.fixture
async def gina(db: AsyncSession, world: World) -> str:
    """A GlobalAdmin besides the world's people; returns her email."""
    await AccountService(db, MailService(db)).create_user("gina@example.com", PASSWORD, "Gina", verified=True,
                                                          global_role="GlobalAdmin")
    await db.commit()
    return "gina@example.com"


async def _post(client: Client, url: str, data: dict[str, str]) -> httpx.Response:
    return await client.post(url, data={**data, "_csrf_token": await csrf(client)}, follow_redirects=False)


async def _actors(db: AsyncSession, action: str) -> list[str]:
    db.expire_all()
    return list(await db.scalars(select(AuditEntry.actor).where(AuditEntry.action == action)
                                 .order_by(AuditEntry.seq)))


async def test_acting_as_a_user_from_start_to_end(client: Client, db: AsyncSession, gina: str) -> None:
    await sign_in(client, db, gina)
    form = await client.get("/admin/impersonate")
    assert form.status_code == 200 and "<h1>Act as a user</h1>" in form.text
    assert 'href="/admin/impersonate" aria-current="page"' in form.text
    assert "No one has acted as another user yet." in form.text

    started = await _post(client, "/admin/impersonate", {"email": "alice@example.com", "reason": REASON,
                                                         "minutes": "15"})
    assert started.status_code == 303 and started.headers["location"] == "/"
    home = await client.get("/")
    assert "You are acting as alice@example.com until" in home.text  # the flash
    assert 'class="impersonation"' in home.text and "gina@example.com, you are acting as alice@example.com" in home.text
    assert 'action="/impersonation/end"' in home.text and "Stop acting as alice@example.com" in home.text
    assert "/admin/impersonate" not in home.text  # Alice's own menu: she is no GlobalAdmin

    # What she does meanwhile is Alice's doing, on record as Gina's.
    added = await _post(client, "/orgs/acme/members", {"email": "eve@example.com", "role": "member"})
    assert added.status_code == 303, added.text
    db.expire_all()
    last = (await db.execute(select(AuditEntry.actor, AuditEntry.target)
                             .where(AuditEntry.action == "member.role_change")
                             .order_by(AuditEntry.seq.desc()).limit(1))).one()
    assert tuple(last) == ("gina@example.com as alice@example.com", "eve@example.com")
    # No credential that would outlive the impersonation, on the page or through the API.
    page_key = await _post(client, "/settings/api-keys", {"name": "mine", "scopes": "plan:read"})
    api_key = await client.post("/api/v1/api-keys", json={"name": "mine", "scopes": ["plan:read"]},
                                headers={"X-CSRFToken": await csrf(client)})
    assert page_key.status_code == api_key.status_code == 403
    assert "not while acting as another user" in api_key.text
    assert (await client.get("/admin/impersonate")).status_code == 403  # as Alice: not a GlobalAdmin page

    ended = await _post(client, "/impersonation/end", {})
    assert ended.status_code == 303 and ended.headers["location"] == "/admin/impersonate"
    back = await client.get("/admin/impersonate")
    assert "You are no longer acting as alice@example.com." in back.text
    assert 'class="impersonation"' not in back.text and REASON in back.text
    assert await _actors(db, "admin.impersonate") == [gina]
    assert await _actors(db, "admin.impersonate_end") == ["gina@example.com as alice@example.com"]
    again = await _post(client, "/impersonation/end", {})
    assert again.status_code == 303 and again.headers["location"] == "/"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "nobody@example.com", "reason": REASON, "minutes": "15"}, "email", "no account has this email"),
    ({"email": "gina@example.com", "reason": REASON, "minutes": "15"}, "email", "this is your own account"),
    ({"email": "alice@example.com", "reason": "because", "minutes": "15"}, "reason", "10 to 400 characters"),
    ({"email": "alice@example.com", "reason": REASON, "minutes": "an hour"}, "minutes", "from 1 to 60 minutes"),
    ({"email": "alice@example.com", "reason": REASON, "minutes": "999"}, "minutes", "from 1 to 60 minutes"),
    ({"email": "alice@\x00example.com", "reason": REASON, "minutes": "15"}, "email", "control characters"),
    ({"email": "alice@example.com", "reason": f"{REASON}\x00", "minutes": "15"}, "reason", "control characters"),
])
async def test_a_refused_form_names_the_field_and_starts_nothing(client: Client, db: AsyncSession, gina: str,
                                                                 data: dict[str, str], field: str,
                                                                 message: str) -> None:
    await sign_in(client, db, gina)
    refused = await _post(client, "/admin/impersonate", data)
    assert refused.status_code == 422
    assert f'id="{field}"' in refused.text and message in refused.text and 'aria-invalid="true"' in refused.text
    assert await db.scalar(select(func.count()).select_from(Impersonation)) == 0
    assert 'class="impersonation"' not in (await client.get("/")).text


async def test_only_a_global_admin_may_and_only_with_a_csrf_token(client: Client, db: AsyncSession,
                                                                  gina: str) -> None:
    await sign_in(client, db, "bob@example.com")
    assert (await client.get("/admin/impersonate")).status_code == 403
    refused = await _post(client, "/admin/impersonate", {"email": "alice@example.com", "reason": REASON,
                                                         "minutes": "15"})
    assert refused.status_code == 403
    await sign_in(client, db, gina)
    forged = await client.post("/admin/impersonate", data={"email": "alice@example.com", "reason": REASON,
                                                           "minutes": "15"}, follow_redirects=False)
    assert forged.status_code == 403
    assert await db.scalar(select(func.count()).select_from(Impersonation)) == 0
    client.cookies.clear()
    assert (await client.get("/admin/impersonate", follow_redirects=False)).status_code in (302, 303, 401)
