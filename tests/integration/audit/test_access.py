"""Who reads the ledger through the JSON API: GlobalAdmin everything, TenantAdmin its organizations' entries, no
one else (the matrix test covers every other caller: none of them holds a global role)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Scope
from app.domain.accounts.services import AccountService, ApiKeyService, SessionService
from app.domain.audit import merkle
from app.domain.audit.services import LedgerConfig
from app.domain.mail.services import MailService
from app.domain.orgs.services import OrgService
from tests.integration.audit.conftest import checkpoint
from tests.integration.conftest import PASSWORD, SYSTEM, Client, World


@dataclass
class Staff:
    """Bearer headers: gina (GlobalAdmin), tina (TenantAdmin in acme), alice (acme's owner, no global role)."""

    gina: dict[str, str]
    gina_read: dict[str, str]
    tina: dict[str, str]
    alice: dict[str, str]


async def _key(db: AsyncSession, user_id: object, *scopes: Scope) -> dict[str, str]:
    created = await ApiKeyService(db).create(user_id, name="audit", scopes=list(scopes))  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {created.secret}"}


@pytest.fixture
async def staff(db: AsyncSession, world: World, ledger: LedgerConfig) -> Staff:
    accounts = AccountService(db, MailService(db))
    gina = await accounts.create_user("gina@example.com", PASSWORD, "Gina", verified=True, global_role="GlobalAdmin")
    tina = await accounts.create_user("tina@example.com", PASSWORD, "Tina", verified=True, global_role="TenantAdmin")
    await db.commit()
    await OrgService(db).add_member(SYSTEM, "acme", "tina@example.com", "member")
    await OrgService(db).add_member(world.eve, "globex", "alice@example.com", "member")
    await SessionService(db).login("dan@example.com", PASSWORD)  # a global entry
    return Staff(gina=await _key(db, gina.id, "admin"), gina_read=await _key(db, gina.id, "plan:read"),
                 tina=await _key(db, tina.id, "admin"), alice=await _key(db, world.alice.user_id, "admin"))


async def test_global_admin_reads_everything(client: Client, staff: Staff) -> None:
    page = (await client.get("/api/v1/audit/entries?limit=200", headers=staff.gina)).json()
    actions = {entry["action"] for entry in page["entries"]}
    assert {"auth.login", "apikey.create", "member.role_change"} <= actions
    orgs = {entry["organization"] for entry in page["entries"]}
    assert {"acme", "globex", None} <= orgs
    newest = page["entries"][0]["seq"]
    assert [entry["seq"] for entry in page["entries"]] == sorted((e["seq"] for e in page["entries"]), reverse=True)
    first = (await client.get("/api/v1/audit/entries?limit=2", headers=staff.gina)).json()
    assert [entry["seq"] for entry in first["entries"]] == [newest, newest - 1] and first["next_before"] == newest - 1
    older = (await client.get(f"/api/v1/audit/entries?limit=2&before={first['next_before']}",
                              headers=staff.gina)).json()
    assert [entry["seq"] for entry in older["entries"]] == [newest - 2, newest - 3]
    logins = (await client.get("/api/v1/audit/entries?action=auth.*&actor=DAN", headers=staff.gina)).json()
    assert [(entry["action"], entry["actor"]) for entry in logins["entries"]] == [("auth.login", "dan@example.com")]
    report = (await client.get("/api/v1/audit/verify", headers=staff.gina)).json()
    assert report["ok"] is True and report["problem"] is None and report["entries"] == newest


async def test_tenant_admin_reads_its_organizations_entries_only(client: Client, staff: Staff) -> None:
    page = (await client.get("/api/v1/audit/entries?limit=200", headers=staff.tina)).json()
    assert page["entries"] and {entry["organization"] for entry in page["entries"]} == {"acme"}
    assert (await client.get("/api/v1/audit/verify", headers=staff.tina)).json()["ok"] is True


async def test_everyone_else_is_refused(client: Client, staff: Staff) -> None:
    for headers, status in ((staff.alice, 403), (staff.gina_read, 403), ({}, 401)):
        for url in ("/api/v1/audit/entries", "/api/v1/audit/verify", "/api/v1/audit/entries/1/proof",
                    "/api/v1/audit/consistency?old=1"):
            response = await client.get(url, headers=headers)
            assert response.status_code == status, (url, headers, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_proofs_through_the_api(client: Client, db: AsyncSession, staff: Staff, ledger: LedgerConfig) -> None:
    no_checkpoint = await client.get("/api/v1/audit/entries/1/proof", headers=staff.gina)
    assert no_checkpoint.status_code == 404 and "checkpoint" in no_checkpoint.json()["detail"]
    await checkpoint(db, ledger)
    entries = (await client.get("/api/v1/audit/entries?limit=200", headers=staff.gina)).json()["entries"]
    size = entries[0]["seq"]
    for entry in entries:
        proof = await client.get(f"/api/v1/audit/entries/{entry['seq']}/proof", headers=staff.gina)
        assert proof.status_code == 200, proof.text
        body = proof.json()
        assert body["tree_size"] == size and body["entry_hash"] == entry["hash"]
        assert merkle.verify_inclusion(entry["seq"] - 1, size, bytes.fromhex(body["leaf_hash"]),
                                       [bytes.fromhex(node) for node in body["path"]],
                                       bytes.fromhex(body["checkpoint"]["root_hash"]))
    global_entry = next(entry for entry in entries if entry["organization"] is None)
    hidden = await client.get(f"/api/v1/audit/entries/{global_entry['seq']}/proof", headers=staff.tina)
    assert hidden.status_code == 404
    acme_entry = next(entry for entry in entries if entry["organization"] == "acme")
    assert (await client.get(f"/api/v1/audit/entries/{acme_entry['seq']}/proof", headers=staff.tina)).is_success
    same = await client.get(f"/api/v1/audit/consistency?old={size}", headers=staff.gina)
    assert same.status_code == 200 and same.json()["path"] == []


async def test_bad_filters_are_422_or_400(client: Client, staff: Staff) -> None:
    bad = await client.get("/api/v1/audit/entries?action=DROP TABLE", headers=staff.gina)
    assert bad.status_code == 422 and bad.json()["field"] == "action"
    assert (await client.get("/api/v1/audit/entries?limit=0", headers=staff.gina)).status_code == 400
    assert (await client.get("/api/v1/audit/entries/abc/proof", headers=staff.gina)).status_code in (400, 404)
    assert (await client.get("/api/v1/audit/entries?actor=%00", headers=staff.gina)).status_code == 422
