"""The admin page ``/admin/audit``: full page and htmx fragments, filters, paging, "Verify now", and who may see it
(pages on SQLite only: the services run on both databases in the other modules)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry
from app.domain.accounts.services import AccountService, SessionService
from app.domain.audit.services import LedgerConfig
from app.domain.mail.services import MailService
from app.domain.orgs.services import OrgService
from app.server.auth import SESSION_COOKIE
from tests.conftest import sqlite_only
from tests.integration.audit.conftest import append, tamper
from tests.integration.conftest import PASSWORD, SYSTEM, Client, World

HX = {"HX-Request": "true"}


database_url = sqlite_only()


async def _sign_in(client: Client, db: AsyncSession, email: str) -> None:
    _, token = await SessionService(db).login(email, PASSWORD)
    client.cookies.set(SESSION_COOKIE, token)


@pytest.fixture
async def admins(db: AsyncSession, world: World, ledger: LedgerConfig) -> World:
    accounts = AccountService(db, MailService(db))
    await accounts.create_user("gina@example.com", PASSWORD, "Gina", verified=True, global_role="GlobalAdmin")
    await accounts.create_user("tina@example.com", PASSWORD, "Tina", verified=True, global_role="TenantAdmin")
    await db.commit()
    await OrgService(db).add_member(SYSTEM, "acme", "tina@example.com", "member")
    return world


async def test_the_page_full_and_as_fragments(client: Client, db: AsyncSession, admins: World) -> None:
    await _sign_in(client, db, "gina@example.com")
    full = await client.get("/admin/audit")
    assert full.status_code == 200 and full.headers["vary"] == "HX-Request"
    assert "<h1>Audit ledger</h1>" in full.text and 'href="/admin/audit" aria-current="page"' in full.text
    assert "tina@example.com" in full.text and "member.role_change" in full.text
    fragment = await client.get("/admin/audit?action=auth.login", headers=HX)
    assert fragment.status_code == 200 and "<main" not in fragment.text
    assert 'id="audit-entries"' in fragment.text and "member.role_change" not in fragment.text
    assert "gina@example.com" in fragment.text  # her own sign-in
    checked = await client.get("/admin/audit?verify=1")
    assert checked.status_code == 200 and "The ledger verifies." in checked.text and "<main" in checked.text
    result = await client.get("/admin/audit?verify=1", headers=HX)
    assert 'id="verify-result"' in result.text and "The ledger verifies." in result.text
    assert 'id="audit-entries"' not in result.text and "<main" not in result.text


async def test_paging_and_a_bad_filter(client: Client, db: AsyncSession, admins: World) -> None:
    await append(db, 120)
    await _sign_in(client, db, "gina@example.com")
    first = await client.get("/admin/audit?action=test.*")
    assert first.text.count('<tr id="entry-') == 50 and "Older entries" in first.text
    assert "Newest entries" not in first.text
    older = await client.get("/admin/audit?action=test.*&before=40", headers=HX)
    expected = await db.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "test.event", AuditEntry.seq < 40))
    assert older.text.count('<tr id="entry-') == expected and "Newest entries" in older.text
    bad = await client.get("/admin/audit?action=Not An Action")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "auth.*" in bad.text
    empty = await client.get("/admin/audit?actor=nobody-at-all")
    assert "No entries match." in empty.text


async def test_verify_now_names_the_first_bad_entry(client: Client, db: AsyncSession, admins: World,
                                                    database_url: str) -> None:
    await append(db, 30)
    await tamper(database_url, ["UPDATE audit_entry SET actor = 'mallory' WHERE seq = 20"])
    await _sign_in(client, db, "gina@example.com")
    result = await client.get("/admin/audit?verify=1", headers=HX)
    assert "Verification failed." in result.text and "entry 20 does not match its hash" in result.text
    assert 'href="/admin/audit?before=21"' in result.text


async def test_tenant_admin_sees_its_organization_only(client: Client, db: AsyncSession, admins: World) -> None:
    await _sign_in(client, db, "tina@example.com")
    page = await client.get("/admin/audit")
    assert page.status_code == 200 and "member.role_change" in page.text
    assert "auth.login" not in page.text.split("<tbody>", 1)[1]  # sign-ins are global: GlobalAdmin only


async def test_others_are_refused(client: Client, db: AsyncSession, admins: World) -> None:
    anonymous = await client.get("/admin/audit", follow_redirects=False)
    assert anonymous.status_code in (303, 401)
    await _sign_in(client, db, "alice@example.com")
    refused = await client.get("/admin/audit")
    assert refused.status_code == 403 and "GlobalAdmin and TenantAdmin" in refused.text
    assert 'href="/admin/audit"' not in refused.text  # no menu entry either
    assert (await client.get("/admin/audit?verify=1", headers=HX)).status_code == 403
