"""Inclusion and consistency proofs from the stored subtrees, the JSON Lines export, and pruning that keeps the rest
verifiable."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, AuditNode
from app.domain.audit import merkle
from app.domain.audit.services import (
    LedgerConfig,
    consistency_proof,
    export_ledger,
    inclusion_proof,
    prune_ledger,
    retention_cutoff,
)
from app.domain.audit.signing import LedgerSigner
from app.lib import clock
from app.lib.errors import NotFound, ValidationFailed
from tests.integration.audit.conftest import append, checkpoint, tamper, verify


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


async def test_inclusion_proofs_verify_and_fail_for_a_wrong_leaf_or_root(db: AsyncSession,
                                                                        ledger: LedgerConfig) -> None:
    await append(db, 1337, batch=400)
    await checkpoint(db, ledger)
    for seq in (1, 2, 255, 256, 257, 700, 1024, 1025, 1300, 1337):
        proof = await inclusion_proof(db, seq)
        root, leaf = bytes.fromhex(proof.checkpoint.root_hash), bytes.fromhex(proof.leaf_hash)
        assert proof.tree_size == 1337 and len(proof.path) <= 11
        assert merkle.verify_inclusion(seq - 1, 1337, leaf, _hex(proof.path), root), seq
        assert not merkle.verify_inclusion(seq - 1, 1337, merkle.leaf_hash(b"other"), _hex(proof.path), root)
        assert not merkle.verify_inclusion(seq - 1, 1337, leaf, _hex(proof.path), merkle.leaf_hash(b"other"))
    older = await inclusion_proof(db, 5, tree_size=1000)  # against an older checkpoint
    assert merkle.verify_inclusion(4, 1000, bytes.fromhex(older.leaf_hash), _hex(older.path),
                                   bytes.fromhex(older.checkpoint.root_hash))
    with pytest.raises(NotFound):
        await inclusion_proof(db, 9999)
    with pytest.raises(ValidationFailed):
        await inclusion_proof(db, 1300, tree_size=1000)


async def test_consistency_proofs_between_checkpoints(db: AsyncSession, ledger: LedgerConfig) -> None:
    await append(db, 3100, batch=700)  # checkpoints at 1,000, 2,000 and 3,000 (the batches end at 1,400, 2,100, 3,100)
    sizes = (await db.scalars(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size))).all()
    assert sizes == [1000, 2000, 3000]
    for old, new in ((1000, 2000), (1000, 3000), (2000, 3000), (2000, 2000)):
        proof = await consistency_proof(db, old, new)
        old_root, new_root = bytes.fromhex(proof.old_root), bytes.fromhex(proof.new_root)
        assert merkle.verify_consistency(old, new, old_root, new_root, _hex(proof.path)), (old, new)
        if old != new:
            assert not merkle.verify_consistency(old, new, merkle.leaf_hash(b"x"), new_root, _hex(proof.path))
            assert not merkle.verify_consistency(old, new, old_root, merkle.leaf_hash(b"x"), _hex(proof.path))
    with pytest.raises(NotFound):
        await consistency_proof(db, 1400, 2000)


async def test_a_proof_reads_few_rows(db: AsyncSession, ledger: LedgerConfig) -> None:
    """O(log n): stored subtrees stand in for everything but the tiles at the leaf and at the right edge."""
    await append(db, 5000, batch=1000)
    assert await db.scalar(select(func.count()).select_from(AuditNode)) == 19 + 9 + 4 + 2 + 1
    statements: list[str] = []
    connection = await db.connection()
    from sqlalchemy import event  # noqa: PLC0415

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        proof = await inclusion_proof(db, 1234)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)
    assert len(statements) <= 6
    assert merkle.verify_inclusion(1233, 5000, bytes.fromhex(proof.leaf_hash), _hex(proof.path),
                                   bytes.fromhex(proof.checkpoint.root_hash))


async def test_the_export_carries_verifiable_proofs(db: AsyncSession, ledger: LedgerConfig) -> None:
    assert ledger.signer is not None
    await append(db, 900)
    await checkpoint(db, ledger)
    await append(db, 10)  # after the checkpoint: exported without a proof
    out = io.BytesIO()
    assert await export_ledger(db, out, ledger.signer, proofs=True) == 910
    header, *lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert header["public_key"] == ledger.signer.public_key_bytes.hex()
    root = bytes.fromhex(header["checkpoint"]["root_hash"])
    for line in lines[:900]:
        leaf = merkle.leaf_hash(bytes.fromhex(line["hash"]))
        assert merkle.verify_inclusion(line["seq"] - 1, 900, leaf, _hex(line["proof"]["path"]), root)
    assert all(line["proof"] is None for line in lines[900:])


async def test_pruning_keeps_the_rest_verifiable(db: AsyncSession, ledger: LedgerConfig, raw: object,
                                                 database_url: str) -> None:
    assert ledger.signer is not None
    await append(db, 1500)  # checkpoint at 1,000
    later = clock.now() + timedelta(seconds=5)
    clock.set_clock(lambda: later)
    try:
        await append(db, 1000)  # checkpoint at 2,000, "five seconds later"
    finally:
        clock.set_clock(None)
    out = io.BytesIO()
    result = await prune_ledger(db, ledger.signer, "system", later - timedelta(seconds=1), out)
    assert (result.first, result.through, result.checkpoint_size) == (1, 768, 1000)  # down to a tile boundary
    assert await db.scalar(select(func.min(AuditEntry.seq))) == 769
    exported = out.getvalue().splitlines()
    assert len(exported) == 1 + 768
    report = await verify(db, ledger)
    assert report.ok, report.problem
    assert (report.pruned_through, report.first_seq, report.last_seq) == (768, 769, 2501)  # + the prune's own entry
    proof = await inclusion_proof(db, 800, tree_size=2000)
    assert merkle.verify_inclusion(799, 2000, bytes.fromhex(proof.leaf_hash), _hex(proof.path),
                                   bytes.fromhex(proof.checkpoint.root_hash))
    with pytest.raises(NotFound):
        await inclusion_proof(db, 700)
    again = await prune_ledger(db, ledger.signer, "system", later - timedelta(seconds=1), io.BytesIO())
    assert again.through < again.first  # nothing left before that date
    with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
        async with raw.begin() as connection:  # type: ignore[attr-defined]
            await connection.execute(text("DELETE FROM audit_entry WHERE seq = 769"))


async def test_a_prune_behind_the_ledgers_back_is_found(db: AsyncSession, ledger: LedgerConfig,
                                                        database_url: str) -> None:
    await append(db, 1000)
    await tamper(database_url, [
        "INSERT INTO audit_prune (through_seq, checkpoint_size, before, created_at, actor) "
        "SELECT 512, 1000, created_at, created_at, 'mallory' FROM audit_checkpoint",
        "DELETE FROM audit_entry WHERE seq <= 512",
    ])
    problem = (await verify(db, ledger)).problem
    assert problem is not None and (problem.kind, problem.seq) == ("prune", 512)


def test_the_retention_cutoff() -> None:
    now = clock.now()
    assert abs(retention_cutoff(30, None) - (now - timedelta(days=30))) < timedelta(seconds=5)
    assert retention_cutoff(None, now - timedelta(days=1)) == now - timedelta(days=1)
    with pytest.raises(ValidationFailed, match="BR_AUDIT_RETENTION_DAYS"):
        retention_cutoff(None, None)
    with pytest.raises(ValidationFailed, match="keeps 30 days"):
        retention_cutoff(30, now - timedelta(days=2))


def test_a_rotated_secret_is_named(settings: object) -> None:
    assert LedgerSigner("one" * 20).key_id != LedgerSigner("two" * 20).key_id
