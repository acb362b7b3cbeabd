"""JSON Lines export (optionally with an inclusion proof per entry) and retention: export, then prune.

Pruning keeps verifiability: it removes only entries up to a tile boundary below a checkpoint older than the
cut-off, records the prune first (the one thing the DELETE trigger lets through, see migration ``6d1e2f3a4b5c``),
and keeps every checkpoint and stored subtree hash, so the remaining entries still verify and still prove.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO, Any, Final

import msgspec
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, AuditNode, AuditPrune
from app.domain.audit import merkle
from app.domain.audit.encoding import time_text
from app.domain.audit.services._append import actor_label, record
from app.domain.audit.services._checkpoints import TILE, TILE_LEVEL
from app.domain.audit.services._proofs import checkpoint_info
from app.domain.audit.services._sql import lock_ledger
from app.domain.audit.signing import LedgerSigner
from app.lib import clock
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["PruneResult", "export_ledger", "prune_ledger", "retention_cutoff"]

_BATCH: Final = 16 * TILE
_encode = msgspec.json.Encoder().encode


class PruneResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a prune removed: entries ``first..through`` (none when ``through < first``), kept checkpoint size."""

    first: int
    through: int
    checkpoint_size: int


def retention_cutoff(days: int | None, before: datetime | None) -> datetime:
    """The prune cut-off: ``before`` if given (not inside the retention period), else now minus ``days``.

    Raises:
        ValidationFailed: neither is set, or ``before`` would remove entries younger than the retention period.
    """
    now = clock.now()
    if before is None:
        if days is None:
            raise ValidationFailed("before", _("give --before DATE, or set BR_AUDIT_RETENTION_DAYS"))
        return now - timedelta(days=days)
    if days is not None and before > now - timedelta(days=days):
        raise ValidationFailed("before", _("BR_AUDIT_RETENTION_DAYS keeps %(days)s days: choose a date before "
                                           "%(limit)s") % {"days": days, "limit": (now - timedelta(days=days)).date()})
    return before


class _ProofMaker:
    """Inclusion proofs for many entries against one checkpoint: stored subtrees plus the leaves in hand."""

    def __init__(self, size: int, nodes: dict[tuple[int, int], bytes], tail: dict[int, bytes]) -> None:
        self.size = size
        self.nodes = nodes
        self.tail = tail  # the leaves of the last, incomplete tile (right-edge ranges need them)
        self.leaves: dict[int, bytes] = {}
        self.memo: dict[tuple[int, int], bytes] = {}

    def complete(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self.nodes.get(key) if level >= TILE_LEVEL else self.memo.get(key)
        if found is not None:
            return found
        if level == 0:
            return self.leaves.get(index) or self.tail[index]
        digest = merkle.node_hash(self.complete(level - 1, 2 * index), self.complete(level - 1, 2 * index + 1))
        self.memo[key] = digest
        return digest

    def path(self, index: int) -> list[str] | None:
        if index >= self.size:
            return None
        return [merkle.subtree_hash(start, end, self.complete).hex()
                for start, end in merkle.inclusion_ranges(index, self.size)]


async def _proof_maker(db: AsyncSession, checkpoint: AuditCheckpoint) -> _ProofMaker:
    size = checkpoint.tree_size
    nodes = {(int(level), int(index)): bytes(node) for level, index, node in
             await db.execute(select(AuditNode.level, AuditNode.index, AuditNode.hash))}
    tail_rows = await db.execute(select(AuditEntry.seq, AuditEntry.hash)
                                 .where(AuditEntry.seq > size - size % TILE, AuditEntry.seq <= size))
    return _ProofMaker(size, nodes, {int(seq) - 1: merkle.leaf_hash(bytes(h)) for seq, h in tail_rows})


def _line(entry: AuditEntry, maker: _ProofMaker | None) -> bytes:
    fields: dict[str, Any] = {
        "type": "entry", "seq": entry.seq, "time": time_text(entry.created_at),
        "org": entry.organization_id.hex if entry.organization_id else "", "actor": entry.actor,
        "action": entry.action, "target": entry.target, "payload": entry.payload,
        "prev_hash": bytes(entry.prev_hash).hex(), "hash": bytes(entry.hash).hex(), "encoding": entry.encoding,
    }
    path = maker.path(entry.seq - 1) if maker is not None else None
    if maker is not None:
        fields["proof"] = None if path is None else {"leaf_index": entry.seq - 1, "tree_size": maker.size,
                                                     "path": path}
    return _encode(fields) + b"\n"


async def export_ledger(db: AsyncSession, out: IO[bytes], signer: LedgerSigner, *, proofs: bool,
                        through: int | None = None) -> int:
    """Write the ledger (entries up to ``through``, default all) as JSON Lines; returns the number of entries.

    The first line describes the latest checkpoint and the public key that signed it; with ``proofs`` every entry
    it covers carries its inclusion proof against it.
    """
    checkpoint = await db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))
    header: dict[str, Any] = {"type": "ledger", "format": "buildrunner-audit/2", "public_key":
                              signer.public_key_bytes.hex(), "key_id": signer.key_id,
                              "checkpoint": None if checkpoint is None else checkpoint_info(checkpoint)}
    out.write(_encode(header) + b"\n")
    maker = await _proof_maker(db, checkpoint) if proofs and checkpoint is not None else None
    after, count = 0, 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(_BATCH)
        if through is not None:
            query = query.where(AuditEntry.seq <= through)
        batch = list(await db.scalars(query))
        if not batch:
            return count
        if maker is not None:
            maker.leaves = {entry.seq - 1: merkle.leaf_hash(bytes(entry.hash)) for entry in batch}
            maker.memo = {}
        out.writelines(_line(entry, maker) for entry in batch)
        count += len(batch)
        after = batch[-1].seq
        db.expunge_all()


async def prune_ledger(db: AsyncSession, signer: LedgerSigner, actor: str, before: datetime,
                       out: IO[bytes]) -> PruneResult:
    """Export, then delete, the entries older than the newest checkpoint made before ``before`` (down to a tile
    boundary); committed. Nothing to prune is not an error (``through < first``)."""
    await lock_ledger(db)
    pruned = int(await db.scalar(select(func.coalesce(func.max(AuditPrune.through_seq), 0))) or 0)
    checkpoint = await db.scalar(select(AuditCheckpoint).where(AuditCheckpoint.created_at < before)
                                 .order_by(AuditCheckpoint.tree_size.desc()).limit(1))
    through = 0 if checkpoint is None else checkpoint.tree_size - checkpoint.tree_size % TILE
    if checkpoint is None or through <= pruned:
        size = 0 if checkpoint is None else checkpoint.tree_size
        await db.rollback()  # ends the transaction that holds the ledger lock
        return PruneResult(first=pruned + 1, through=pruned, checkpoint_size=size)
    await export_ledger(db, out, signer, proofs=True, through=through)
    now = clock.now()
    await db.execute(insert(AuditPrune).values(through_seq=through, checkpoint_size=checkpoint.tree_size,
                                                before=before, created_at=now, actor=actor_label(actor)))
    await db.execute(delete(AuditEntry).where(AuditEntry.seq <= through))
    await record(db, actor, "audit.prune", target=f"seq {pruned + 1}-{through}",
                 payload={"first": pruned + 1, "through": through, "checkpoint": checkpoint.tree_size,
                          "before": before.isoformat()})
    await db.commit()
    return PruneResult(first=pruned + 1, through=through, checkpoint_size=checkpoint.tree_size)
