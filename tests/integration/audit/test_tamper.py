"""Tampering behind the triggers' back (triggers dropped or disabled, the change made, the triggers put back) is found
by verification, which names the first bad entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry
from app.domain.audit.encoding import entry_body, entry_hash
from app.domain.audit.services import LedgerConfig
from tests.integration.audit.conftest import ORG, checkpoint, tamper, verify

K = 300  # inside the first checkpoint, inside the second stored tile




async def _row(db: AsyncSession, seq: int) -> AuditEntry:
    await db.rollback()
    db.expunge_all()
    return await db.get_one(AuditEntry, seq)


def _flip(value: bytes) -> bytes:
    return value[:-1] + bytes([value[-1] ^ 0x01])


def _swap_first_char(column: str) -> str:
    return f"UPDATE audit_entry SET {column} = 'Z' || substr({column}, 2) WHERE seq = {K}"


EDITS: dict[str, Callable[[AuditEntry], tuple[list[str], dict[str, Any]]]] = {
    "actor": lambda row: ([_swap_first_char("actor")], {}),
    "action": lambda row: ([_swap_first_char("action")], {}),
    "target": lambda row: ([_swap_first_char("target")], {}),
    "payload": lambda row: ([f"UPDATE audit_entry SET payload = replace(payload, :old, :new) WHERE seq = {K}"],
                            {"old": f'"n":{K - 1}', "new": f'"n":{K - 2}'}),
    "created_at": lambda row: ([f"UPDATE audit_entry SET created_at = :v WHERE seq = {K}"],
                               {"v": row.created_at + timedelta(microseconds=1)}),
    "organization_id": lambda row: ([f"UPDATE audit_entry SET organization_id = :v WHERE seq = {K}"],
                                    {"v": UUID(bytes=_flip(ORG.bytes))}),
    "prev_hash": lambda row: ([f"UPDATE audit_entry SET prev_hash = :v WHERE seq = {K}"],
                              {"v": _flip(bytes(row.prev_hash))}),
    "hash": lambda row: ([f"UPDATE audit_entry SET hash = :v WHERE seq = {K}"], {"v": _flip(bytes(row.hash))}),
    "encoding": lambda row: ([f"UPDATE audit_entry SET encoding = :v WHERE seq = {K}"], {"v": 3 - row.encoding}),
}


@pytest.mark.parametrize("field", list(EDITS))
async def test_a_single_byte_edit_of_any_field_is_found(db: AsyncSession, ledger_1300: LedgerConfig,
                                                        database_url: str, field: str) -> None:
    statements, params = EDITS[field](await _row(db, K))
    if field == "organization_id" and "sqlite" in database_url:
        params = {"v": params["v"].bytes}  # GUID is BINARY(16) on SQLite
    if field == "created_at" and "sqlite" in database_url:
        params = {"v": params["v"].strftime("%Y-%m-%d %H:%M:%S.%f")}
    await tamper(database_url, statements, params)
    report = await verify(db, ledger_1300)
    assert not report.ok
    assert report.problem is not None and report.problem.seq == K, report.problem
    assert report.problem.kind == ("link" if field == "prev_hash" else "hash")
    assert str(K) in report.problem.message


async def test_a_deleted_entry_is_found(db: AsyncSession, ledger_1300: LedgerConfig, database_url: str) -> None:
    await tamper(database_url, [f"DELETE FROM audit_entry WHERE seq = {K}"])
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq) == ("missing", K)


async def test_deleting_the_signed_tail_is_found(db: AsyncSession, ledger_1300: LedgerConfig,
                                                 database_url: str) -> None:
    await tamper(database_url, ["DELETE FROM audit_entry WHERE seq > 1050"])
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq, problem.through) == ("missing", 1051, 1100)


async def test_an_inserted_entry_is_found(db: AsyncSession, ledger_1300: LedgerConfig, database_url: str) -> None:
    await tamper(database_url, [
        f"UPDATE audit_entry SET seq = -seq WHERE seq >= {K}",
        "UPDATE audit_entry SET seq = 1 - seq WHERE seq < 0",
        f"INSERT INTO audit_entry (seq, created_at, actor, action, target, payload, prev_hash, hash) "
        f"SELECT {K}, created_at, 'mallory', 'auth.login', '', '{{}}', hash, hash FROM audit_entry WHERE seq = {K - 1}",
    ])
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq) == ("hash", K)


async def test_a_forged_insertion_is_found_at_the_next_entry(db: AsyncSession, ledger_1300: LedgerConfig,
                                                             database_url: str) -> None:
    """The inserted entry itself is well formed (hash computed, linked): the entry it pushed down no longer is."""
    before = await _row(db, K - 1)
    body = entry_body(seq=K, created_at=before.created_at, organization_id=None, actor="mallory",
                      action="auth.login", target="", payload="{}")
    forged = {"t": before.created_at.strftime("%Y-%m-%d %H:%M:%S.%f") if "sqlite" in database_url
              else before.created_at, "p": bytes(before.hash), "h": entry_hash(bytes(before.hash), body)}
    await tamper(database_url, [
        f"UPDATE audit_entry SET seq = -seq WHERE seq >= {K}",
        "UPDATE audit_entry SET seq = 1 - seq WHERE seq < 0",
        f"INSERT INTO audit_entry (seq, created_at, actor, action, target, payload, prev_hash, hash) "
        f"VALUES ({K}, :t, 'mallory', 'auth.login', '', '{{}}', :p, :h)",
    ], forged)
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq) == ("link", K + 1)


async def test_reordered_entries_are_found(db: AsyncSession, ledger_1300: LedgerConfig, database_url: str) -> None:
    await tamper(database_url, [
        f"UPDATE audit_entry SET seq = -1 WHERE seq = {K}",
        f"UPDATE audit_entry SET seq = {K} WHERE seq = {K + 1}",
        f"UPDATE audit_entry SET seq = {K + 1} WHERE seq = -1",
    ])
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and problem.seq == K and problem.kind in ("link", "hash")


async def _rewrite_from(db: AsyncSession, database_url: str, seq: int) -> None:
    """Change entry ``seq`` and recompute every hash after it: a chain that is consistent in itself."""
    await db.rollback()
    db.expunge_all()
    rows = (await db.scalars(select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq))).all()
    prev, statements, params = bytes(rows[0].prev_hash), [], {}
    for index, row in enumerate(rows):
        actor = "mallory" if row.seq == seq else row.actor
        body = entry_body(seq=row.seq, created_at=row.created_at, organization_id=row.organization_id, actor=actor,
                          action=row.action, target=row.target, payload=row.payload, encoding=row.encoding)
        digest = entry_hash(prev, body)
        statements.append(f"UPDATE audit_entry SET actor = :a{index}, prev_hash = :p{index}, hash = :h{index} "
                          f"WHERE seq = {row.seq}")
        params.update({f"a{index}": actor, f"p{index}": prev, f"h{index}": digest})
        prev = digest
    await tamper(database_url, statements, params)


async def test_a_rewritten_chain_is_found_by_the_stored_subtrees(db: AsyncSession, ledger_1300: LedgerConfig,
                                                                 database_url: str) -> None:
    await _rewrite_from(db, database_url, K)
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq, problem.through) == ("node", 257, 512)


async def test_a_rewritten_chain_is_found_by_the_checkpoint(db: AsyncSession, ledger_1300: LedgerConfig,
                                                            database_url: str) -> None:
    await _rewrite_from(db, database_url, 1050)  # after the last stored tile (1,024), before the checkpoint (1,100)
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and problem.kind == "checkpoint_root"
    assert (problem.seq, problem.through, problem.checkpoint) == (1025, 1100, 1100)


async def test_an_altered_checkpoint_or_subtree_is_found(db: AsyncSession, ledger_1300: LedgerConfig,
                                                         database_url: str) -> None:
    await checkpoint(db, ledger_1300)  # a second checkpoint, at 1,300
    root = bytes((await db.get_one(AuditCheckpoint, 1100)).root_hash)
    await tamper(database_url, ["UPDATE audit_checkpoint SET root_hash = head_hash WHERE tree_size = 1100"])
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.checkpoint) == ("checkpoint_signature", 1100)
    await tamper(database_url, ["UPDATE audit_checkpoint SET root_hash = :r WHERE tree_size = 1100",
                                "UPDATE audit_node SET hash = :h WHERE level = 8 AND idx = 1"],
                 {"r": root, "h": bytes(32)})
    problem = (await verify(db, ledger_1300)).problem
    assert problem is not None and (problem.kind, problem.seq, problem.through) == ("node", 257, 512)
