"""What gets recorded, through the real pages and API: sign-in, failed sign-in, API keys, organization roles."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry, Organization
from app.domain.accounts.services import ApiKeyService, SessionService
from app.domain.audit.services import LedgerConfig
from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE
from tests.integration.audit.conftest import verify
from tests.integration.conftest import PASSWORD, Client, World


async def _csrf(client: Client) -> str:
    if not client.cookies.get(CSRF_COOKIE):
        await client.get("/healthz")
    return str(client.cookies.get(CSRF_COOKIE))


async def _form(client: Client, url: str, data: dict[str, str]) -> int:
    response = await client.post(url, data={**data, "_csrf_token": await _csrf(client)}, follow_redirects=False)
    return response.status_code


async def _entries(db: AsyncSession, action: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    await db.rollback()
    rows = await db.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.payload)
                            .where(AuditEntry.action == action).order_by(AuditEntry.seq))
    return [(actor, name, target, json.loads(payload)) for actor, name, target, payload in rows]


async def test_sign_ins_and_failed_sign_ins_are_recorded(client: Client, db: AsyncSession, world: World,
                                                         ledger: LedgerConfig) -> None:
    assert await _form(client, "/login", {"email": "alice@example.com", "password": "not the password"}) == 400
    assert await _form(client, "/login", {"email": "nobody@example.com", "password": "whatever it is"}) == 400
    assert await _form(client, "/login", {"email": "Alice@Example.com", "password": PASSWORD}) == 303
    failed = await _entries(db, "auth.login_failed")
    assert [(actor, payload["reason"]) for actor, _, _, payload in failed] == [
        ("alice@example.com", "wrong_password"), ("nobody@example.com", "unknown")]
    assert [actor for actor, *_ in await _entries(db, "auth.login")] == ["alice@example.com"]
    assert (await verify(db, ledger)).ok


async def test_api_key_creation_and_revocation_are_recorded(client: Client, db: AsyncSession, world: World) -> None:
    admin = await ApiKeyService(db).create(world.alice.user_id, name="admin", scopes=["admin"])
    headers = {"Authorization": f"Bearer {admin.secret}"}
    made = await client.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["plan:read"]}, headers=headers)
    assert made.status_code == 201, made.text
    gone = await client.delete(f"/api/v1/api-keys/{made.json()['info']['id']}", headers=headers)
    assert gone.status_code == 200, gone.text
    created = await _entries(db, "apikey.create")
    assert [(target, payload["scopes"]) for _, _, target, payload in created] == [
        (admin.info.prefix, ["admin"]), (made.json()["info"]["prefix"], ["plan:read"])]
    assert created[0][0] == f"user {world.alice.user_id}"
    assert [target for _, _, target, _ in await _entries(db, "apikey.revoke")] == [made.json()["info"]["prefix"]]


async def test_role_changes_are_recorded_with_their_organization(client: Client, db: AsyncSession,
                                                                 world: World) -> None:
    _, token = await SessionService(db).login("alice@example.com", PASSWORD)
    client.cookies.set(SESSION_COOKIE, token)
    assert await _form(client, "/orgs/acme/members", {"email": "bob@example.com", "role": "admin"}) == 303
    changes = await _entries(db, "member.role_change")
    assert changes[-1][:3] == ("alice@example.com", "member.role_change", "bob@example.com")
    assert changes[-1][3] == {"role": "admin"}
    acme = await db.scalar(select(Organization.id).where(Organization.slug == "acme"))
    last = await db.scalar(select(AuditEntry).where(AuditEntry.action == "member.role_change")
                           .order_by(AuditEntry.seq.desc()).limit(1))
    assert last is not None and last.organization_id == acme
