"""The quick check that verification runs first: it passes an intact ledger (and verification then skips the full
walk), it fails every tampering the full walk finds, and it leaves naming the problem to the walk."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, AuditNode, AuditPrune
from app.domain.audit import merkle
from app.domain.audit.encoding import GENESIS, entry_body, entry_hash, time_text
from app.domain.audit.schemas import VerifyReport
from app.domain.audit.services import LedgerConfig, prune_ledger, verify_ledger
from app.domain.audit.services._quick import StoredCheckpoint, ledger_intact, tree_root
from app.domain.audit.services._scan import scan_chain
from app.lib import clock
from tests.integration.audit.conftest import append, checkpoint, tamper, verify
from tests.integration.audit.test_tamper import EDITS, K, _rewrite_from, _row


async def intact(db: AsyncSession, config: LedgerConfig) -> bool:
    """Run the quick check alone, on a fresh transaction, with what verification reads before it."""
    assert config.signer is not None
    await db.rollback()
    db.expunge_all()
    rows = await db.execute(select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash, AuditCheckpoint.head_hash,
                                   AuditCheckpoint.created_at, AuditCheckpoint.key_id, AuditCheckpoint.signature)
                            .order_by(AuditCheckpoint.tree_size))
    checkpoints = [StoredCheckpoint(int(size), bytes(root), bytes(head), created, str(key), bytes(signature))
                   for size, root, head, created, key, signature in rows]
    nodes = {(int(level), int(index)): bytes(digest)
             for level, index, digest in await db.execute(select(AuditNode.level, AuditNode.index, AuditNode.hash))}
    pruned = int(await db.scalar(select(func.coalesce(func.max(AuditPrune.through_seq), 0))) or 0)
    head = int(await db.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)
    return await ledger_intact(db, config.signer, checkpoints, nodes=nodes, pruned=pruned, head=head)


def _comparable(report: VerifyReport) -> dict[str, Any]:
    return {key: value for key, value in msgspec.structs.asdict(report).items() if key != "seconds"}


async def test_an_intact_ledger_passes_and_both_paths_report_the_same(db: AsyncSession,
                                                                      ledger_1300: LedgerConfig) -> None:
    assert await intact(db, ledger_1300)
    await checkpoint(db, ledger_1300)  # a second checkpoint, at 1,300, on no tile boundary either
    assert await intact(db, ledger_1300)
    assert ledger_1300.signer is not None
    quick = await verify(db, ledger_1300)
    await db.rollback()
    full = await verify_ledger(db, ledger_1300.signer, full=True)
    assert quick.ok and full.ok
    assert _comparable(quick) == _comparable(full)
    assert (quick.entries, quick.checkpoints, quick.unsigned) == (1300, 2, 0)


async def test_an_empty_ledger_passes(db: AsyncSession, ledger: LedgerConfig) -> None:
    assert await intact(db, ledger)


async def test_a_pruned_ledger_passes(db: AsyncSession, ledger: LedgerConfig) -> None:
    assert ledger.signer is not None
    await append(db, 1500)
    later = clock.now() + timedelta(seconds=5)
    clock.set_clock(lambda: later)
    try:
        await append(db, 1000)
    finally:
        clock.set_clock(None)
    result = await prune_ledger(db, ledger.signer, "system", later - timedelta(seconds=1), io.BytesIO())
    assert result.through == 768
    assert await intact(db, ledger)


@pytest.mark.parametrize("field", list(EDITS))
async def test_a_single_byte_edit_of_any_field_fails_it(db: AsyncSession, ledger_1300: LedgerConfig,
                                                        database_url: str, field: str) -> None:
    statements, params = EDITS[field](await _row(db, K))
    if field == "organization_id" and "sqlite" in database_url:
        params = {"v": params["v"].bytes}
    if field == "created_at" and "sqlite" in database_url:
        params = {"v": params["v"].strftime("%Y-%m-%d %H:%M:%S.%f")}
    await tamper(database_url, statements, params)
    assert not await intact(db, ledger_1300)


TAMPERING = {
    "deleted entry": [f"DELETE FROM audit_entry WHERE seq = {K}"],
    "deleted signed tail": ["DELETE FROM audit_entry WHERE seq > 1050"],
    "deleted unsigned tail entry": ["DELETE FROM audit_entry WHERE seq = 1200"],
    "reordered entries": [f"UPDATE audit_entry SET seq = -1 WHERE seq = {K}",
                          f"UPDATE audit_entry SET seq = {K} WHERE seq = {K + 1}",
                          f"UPDATE audit_entry SET seq = {K + 1} WHERE seq = -1"],
    "inserted entry": [f"UPDATE audit_entry SET seq = -seq WHERE seq >= {K}",
                       "UPDATE audit_entry SET seq = 1 - seq WHERE seq < 0",
                       f"INSERT INTO audit_entry (seq, created_at, actor, action, target, payload, prev_hash, hash) "
                       f"SELECT {K}, created_at, 'mallory', 'auth.login', '', '{{}}', hash, hash FROM audit_entry "
                       f"WHERE seq = {K - 1}"],
    "changed subtree hash": ["UPDATE audit_node SET hash = (SELECT hash FROM audit_node WHERE level = 8 AND idx = 0) "
                             "WHERE level = 8 AND idx = 1"],
    "changed top subtree hash": ["UPDATE audit_node SET hash = (SELECT hash FROM audit_node "
                                 "WHERE level = 8 AND idx = 0) WHERE level = 10 AND idx = 0"],
    "deleted subtree hash": ["DELETE FROM audit_node WHERE level = 9 AND idx = 1"],
    "subtree hash beyond the checkpoint": ["INSERT INTO audit_node (level, idx, hash) "
                                           "SELECT 8, 4, hash FROM audit_node WHERE level = 8 AND idx = 0"],
    "subtree hash below a tile": ["INSERT INTO audit_node (level, idx, hash) "
                                  "SELECT 3, 0, hash FROM audit_node WHERE level = 8 AND idx = 0"],
    "changed checkpoint head": ["UPDATE audit_checkpoint SET head_hash = root_hash WHERE tree_size = 1100"],
    "deleted checkpoint entry": ["DELETE FROM audit_entry WHERE seq = 1100"],
}


@pytest.mark.parametrize("name", list(TAMPERING))
async def test_any_tampering_fails_it(db: AsyncSession, ledger_1300: LedgerConfig, database_url: str,
                                      name: str) -> None:
    await tamper(database_url, TAMPERING[name])
    assert not await intact(db, ledger_1300)


async def test_a_rewritten_chain_fails_it(db: AsyncSession, ledger_1300: LedgerConfig, database_url: str) -> None:
    await _rewrite_from(db, database_url, 1050)  # consistent in itself, but not with the signed head of 1,100
    assert not await intact(db, ledger_1300)
    assert (await verify(db, ledger_1300)).problem is not None


async def test_a_deleted_subtree_hash_fails_it_and_the_walk_decides(db: AsyncSession, ledger_1300: LedgerConfig,
                                                                    database_url: str) -> None:
    """The walk does not need the stored subtrees it recomputes: the ledger itself is intact."""
    await tamper(database_url, ["DELETE FROM audit_node WHERE level = 8 AND idx = 2"])
    assert not await intact(db, ledger_1300)
    assert (await verify(db, ledger_1300)).ok


async def test_a_subtree_hash_changed_around_a_checkpoint_is_found(db: AsyncSession, ledger_1300: LedgerConfig,
                                                                   database_url: str) -> None:
    """Changed before a checkpoint that builds on it, changed back afterwards: the checkpoint's new subtree and its
    root were made from the wrong hash."""
    await db.rollback()
    genuine = bytes((await db.get_one(AuditNode, (10, 0))).hash)
    await tamper(database_url, ["UPDATE audit_node SET hash = :h WHERE level = 10 AND idx = 0"], {"h": bytes(32)})
    await append(db, 900)  # a checkpoint at 2,200, whose new subtree of 2,048 entries covers the changed one
    await tamper(database_url, ["UPDATE audit_node SET hash = :h WHERE level = 10 AND idx = 0"], {"h": genuine})
    assert not await intact(db, ledger_1300)
    assert not (await verify(db, ledger_1300)).ok


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 255, 256, 257, 300, 511, 512, 700])
def test_tree_root_is_the_rfc_root(size: int) -> None:
    leaves = [merkle.leaf_hash(bytes([i % 256, i // 256]) * 16) for i in range(size)]
    tiles = size - size % 256
    covering = [merkle.subtree_hash(index << level, (index + 1) << level, lambda lvl, idx: _complete(leaves, lvl, idx))
                for level, index in merkle.Frontier.covering(tiles)]
    expected = merkle.Frontier()
    for leaf in leaves:
        expected.push(0, leaf)
    assert tree_root(covering, leaves[tiles:]) == expected.root()


def _complete(leaves: list[bytes], level: int, index: int) -> bytes:
    if level == 0:
        return leaves[index]
    return merkle.node_hash(_complete(leaves, level - 1, 2 * index), _complete(leaves, level - 1, 2 * index + 1))


@pytest.mark.parametrize("processes", [False, True], ids=["in process", "worker processes"])
async def test_the_chain_scan_counts_and_names_the_first_suspect(db: AsyncSession, ledger_1300: LedgerConfig,
                                                                 database_url: str, processes: bool) -> None:
    """Worker processes (SQLite) and concurrent ranges (PostgreSQL: always) split 1-1300 at 650."""
    assert await scan_chain(db, 0, 1300, GENESIS, processes=processes) == (1300, None)
    assert await scan_chain(db, 0, 1300, bytes(31) + b"\x01", processes=processes) == (1300, 1)  # a wrong genesis
    assert await scan_chain(db, 600, 1300, None, processes=processes) == (700, None)  # as after a prune
    await tamper(database_url, ["UPDATE audit_entry SET actor = 'Z' || substr(actor, 2) WHERE seq = 900",
                                "DELETE FROM audit_entry WHERE seq = 1000"])
    await db.rollback()
    assert await scan_chain(db, 0, 1300, GENESIS, processes=processes) == (1299, 900)
    assert await scan_chain(db, 950, 1300, None, processes=processes) == (349, 1001)


@pytest.mark.parametrize("processes", [False, True], ids=["in process", "worker processes"])
async def test_the_first_entry_of_a_later_range_is_linked(db: AsyncSession, ledger_1300: LedgerConfig,
                                                          database_url: str, processes: bool) -> None:
    """The second range starts after entry 650: entry 651, relinked and rehashed, must not link to nothing."""
    before = await _row(db, 651)
    forged = entry_hash(bytes(32), entry_body(seq=651, created_at=before.created_at, organization_id=None,
                                             actor=before.actor, action=before.action, target=before.target,
                                             payload=before.payload, encoding=before.encoding))
    await tamper(database_url, ["UPDATE audit_entry SET prev_hash = :p, hash = :h WHERE seq = 651"],
                 {"p": bytes(32), "h": forged})
    await db.rollback()
    assert await scan_chain(db, 0, 1300, GENESIS, processes=processes) == (1300, 651)


def test_the_worker_runs_as_a_module(tmp_path: Path) -> None:
    """``python -m app.domain.audit._chain_scan`` as the scan starts it, on a database of two entries."""
    path = tmp_path / "two.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE audit_entry (seq BIGINT PRIMARY KEY, created_at TEXT, organization_id BLOB, "
                           "actor TEXT, action TEXT, target TEXT, payload TEXT, prev_hash BLOB, hash BLOB, "
                           "encoding INTEGER NOT NULL DEFAULT 1)")
        prev = GENESIS
        for seq in (1, 2):
            moment = datetime(2026, 11, 26, tzinfo=UTC)
            digest = entry_hash(prev, entry_body(seq=seq, created_at=moment, organization_id=None, actor="a",
                                                 action="b", target="", payload="{}"))
            connection.execute("INSERT INTO audit_entry VALUES (?, ?, NULL, 'a', 'b', '', '{}', ?, ?, 1)",
                               (seq, time_text(moment), prev, digest))
            prev = digest
    connection.close()
    run = [sys.executable, "-m", "app.domain.audit._chain_scan", str(path)]
    assert subprocess.run([*run, "0", "2", GENESIS.hex()], capture_output=True, check=True).stdout == b"2 -\n"
    assert subprocess.run([*run, "1", "2", "row"], capture_output=True, check=True).stdout == b"1 -\n"
    assert subprocess.run([*run, "0", "2", "00" * 32 + "ff"], capture_output=True, check=True).stdout == b"2 1\n"
