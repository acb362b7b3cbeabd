"""Inclusion and consistency proofs from stored subtree hashes: O(log n) stored rows and at most a few tiles of
entry hashes, whatever the size of the ledger."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry
from app.domain.audit import merkle
from app.domain.audit.schemas import CheckpointInfo, ConsistencyProof, InclusionProof
from app.domain.audit.services._checkpoints import TILE_LEVEL, latest_checkpoint, load_nodes
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["checkpoint_at", "checkpoint_info", "consistency_proof", "inclusion_proof", "subtree_source"]


def checkpoint_info(checkpoint: AuditCheckpoint) -> CheckpointInfo:
    """The API form of a checkpoint."""
    return CheckpointInfo(
        tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash.hex(), head_hash=checkpoint.head_hash.hex(),
        created_at=checkpoint.created_at, key_id=checkpoint.key_id, signature=checkpoint.signature.hex(),
    )


async def checkpoint_at(db: AsyncSession, tree_size: int | None) -> AuditCheckpoint:
    """The checkpoint of ``tree_size`` entries, or the latest for ``None``.

    Raises:
        NotFound: when there is no such checkpoint.
    """
    if tree_size is None:
        found = await latest_checkpoint(db)
    else:
        found = await db.get(AuditCheckpoint, tree_size)
    if found is None:
        raise NotFound(_("no audit checkpoint of that size; GET /api/v1/audit/verify names the latest, and "
                         "br-server audit checkpoint makes one") if tree_size is not None
                       else _("the audit ledger has no checkpoint yet; make one with br-server audit checkpoint"))
    return found


async def _leaf_hashes(db: AsyncSession, spans: Iterable[tuple[int, int]]) -> dict[int, bytes]:
    leaves: dict[int, bytes] = {}
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        rows = await db.execute(select(AuditEntry.seq, AuditEntry.hash)
                                .where(AuditEntry.seq > start, AuditEntry.seq <= end))
        leaves.update({int(seq) - 1: merkle.leaf_hash(bytes(digest)) for seq, digest in rows})
    return leaves


async def subtree_source(db: AsyncSession, ranges: Iterable[tuple[int, int]]) -> merkle.CompleteHash:
    """A :data:`merkle.CompleteHash` able to hash every range in ``ranges``, loaded with two kinds of query.

    Raises:
        NotFound: when an entry or a stored subtree it needs is gone (pruned, or never checkpointed).
    """
    keys = {key for start, end in ranges for key in merkle.complete_ranges(start, end)}
    nodes = await load_nodes(db, (key for key in keys if key[0] >= TILE_LEVEL))
    leaves = await _leaf_hashes(db, ((index << level, (index + 1) << level) for level, index in keys
                                     if level < TILE_LEVEL))
    memo: dict[tuple[int, int], bytes] = {}

    def complete(level: int, index: int) -> bytes:
        key = (level, index)
        if key in memo:
            return memo[key]
        if level >= TILE_LEVEL:
            digest = nodes.get(key)
        elif level == 0:
            digest = leaves.get(index)
        else:
            digest = merkle.node_hash(complete(level - 1, 2 * index), complete(level - 1, 2 * index + 1))
        if digest is None:
            raise NotFound(_("the entries this proof needs were pruned from the audit ledger"))
        memo[key] = digest
        return digest

    return complete


async def inclusion_proof(db: AsyncSession, seq: int, tree_size: int | None = None) -> InclusionProof:
    """The proof that entry ``seq`` is in the checkpoint of ``tree_size`` entries (default: the latest).

    Raises:
        NotFound: no such entry or checkpoint. ValidationFailed: the entry is newer than the checkpoint.
    """
    checkpoint = await checkpoint_at(db, tree_size)
    entry_hash = await db.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
    if entry_hash is None:
        raise NotFound(_("no audit entry %(seq)s (never written, or pruned)") % {"seq": seq})
    if seq > checkpoint.tree_size:
        raise ValidationFailed("seq", _("entry %(seq)s is newer than the checkpoint of %(size)s entries; make a "
                                        "checkpoint first") % {"seq": seq, "size": checkpoint.tree_size})
    ranges = merkle.inclusion_ranges(seq - 1, checkpoint.tree_size)
    complete = await subtree_source(db, ranges)
    return InclusionProof(
        seq=seq, leaf_index=seq - 1, tree_size=checkpoint.tree_size, entry_hash=bytes(entry_hash).hex(),
        leaf_hash=merkle.leaf_hash(bytes(entry_hash)).hex(),
        path=[merkle.subtree_hash(start, end, complete).hex() for start, end in ranges],
        checkpoint=checkpoint_info(checkpoint),
    )


async def consistency_proof(db: AsyncSession, old_size: int, new_size: int | None = None) -> ConsistencyProof:
    """The proof that the checkpoint of ``new_size`` entries (default: the latest) extends that of ``old_size``.

    Raises:
        NotFound: when either checkpoint does not exist. ValidationFailed: when ``old_size > new_size``.
    """
    new = await checkpoint_at(db, new_size)
    old = await checkpoint_at(db, old_size)
    if old.tree_size > new.tree_size:
        raise ValidationFailed("old", _("the old checkpoint must not be larger than the new one"))
    ranges = merkle.consistency_ranges(old.tree_size, new.tree_size)
    complete = await subtree_source(db, ranges)
    return ConsistencyProof(
        old_size=old.tree_size, new_size=new.tree_size, old_root=old.root_hash.hex(), new_root=new.root_hash.hex(),
        path=[merkle.subtree_hash(start, end, complete).hex() for start, end in ranges],
    )
