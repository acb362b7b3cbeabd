"""Checkpoints (signed tree heads) and the stored Merkle subtree hashes they leave behind.

A checkpoint over the first ``n`` entries stores the hash of every complete subtree of at least ``TILE`` (256)
leaves that ends at or before ``n`` and is not stored yet; so the next checkpoint only hashes the entries since the
last complete tile, and a proof reads O(log n) stored hashes plus at most a few tiles' worth of entry hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, AuditNode
from app.domain.audit.encoding import GENESIS, checkpoint_message
from app.domain.audit.merkle import Frontier, leaf_hash
from app.domain.audit.services._sql import read_head
from app.domain.audit.signing import LedgerSigner
from app.lib import clock

__all__ = [
    "TILE",
    "TILE_LEVEL",
    "chain_head",
    "create_checkpoint",
    "latest_checkpoint",
    "load_nodes",
    "stored_through",
]

TILE_LEVEL: Final = 8
TILE: Final = 1 << TILE_LEVEL
_READ_BATCH: Final = 20_000


async def chain_head(db: AsyncSession) -> tuple[int, bytes]:
    """The last entry's ``(seq, hash)``; after a prune that removed every entry, the last checkpoint's head.

    Read through the driver: every first append of a transaction runs this.
    """
    _source, seq, digest = await read_head(db)
    return (0, GENESIS) if seq is None or digest is None else (seq, digest)


async def latest_checkpoint(db: AsyncSession) -> AuditCheckpoint | None:
    """The checkpoint with the largest tree, if any."""
    return await db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))


async def load_nodes(db: AsyncSession, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored subtree hashes by ``(level, index)``; missing keys are simply absent."""
    wanted = sorted(set(keys))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), 200):
        chunk = wanted[start:start + 200]
        rows = await db.execute(select(AuditNode.level, AuditNode.index, AuditNode.hash)
                                .where(tuple_(AuditNode.level, AuditNode.index).in_(chunk)))
        found.update({(int(level), int(index)): bytes(digest) for level, index, digest in rows})
    return found


async def stored_through(db: AsyncSession) -> int:
    """How many leaves the stored tiles cover (a multiple of ``TILE``)."""
    last = await db.scalar(select(func.max(AuditNode.index)).where(AuditNode.level == TILE_LEVEL))
    return 0 if last is None else (int(last) + 1) * TILE


async def _entry_hashes(db: AsyncSession, after: int, through: int) -> list[bytes]:
    hashes: list[bytes] = []
    while after < through:
        batch = (await db.execute(select(AuditEntry.seq, AuditEntry.hash)
                                  .where(AuditEntry.seq > after, AuditEntry.seq <= through)
                                  .order_by(AuditEntry.seq).limit(_READ_BATCH))).all()
        if not batch:
            break
        if batch[0][0] != after + 1 or batch[-1][0] != after + len(batch):
            raise LookupError(f"audit entries after {after} are missing: run `br-server audit verify`")
        hashes.extend(bytes(row[1]) for row in batch)
        after = int(batch[-1][0])
    if after != through:
        raise LookupError(f"audit entries up to {through} are missing: run `br-server audit verify`")
    return hashes


async def tree_root(db: AsyncSession, size: int) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    """MTH of the first ``size`` entries from the stored tiles and the entries after them, and the complete
    subtrees of at least a tile that are new (to store)."""
    stored = await stored_through(db)
    done = min(stored, size - size % TILE)
    covering = Frontier.covering(done)
    nodes = await load_nodes(db, covering)
    frontier = Frontier.resume(done, (nodes[key] for key in covering))
    fresh: list[tuple[int, int, bytes]] = []
    for digest in await _entry_hashes(db, done, size):
        for level, index, node in frontier.push(0, leaf_hash(digest)):
            if level >= TILE_LEVEL and (index + 1) << level > stored:
                fresh.append((level, index, node))
    return frontier.root(), fresh


async def create_checkpoint(db: AsyncSession, signer: LedgerSigner, *,
                            at: tuple[int, bytes] | None = None) -> AuditCheckpoint | None:
    """Sign the tree of every entry so far (or of the first ``at[0]`` entries, the last of which has the hash
    ``at[1]``), in the caller's transaction (which must hold the ledger lock).

    Returns the new checkpoint, or the latest one when it is at least as large; ``None`` for an empty ledger.
    """
    size, head = at if at is not None else await chain_head(db)
    latest = await latest_checkpoint(db)
    if size == 0 or (latest is not None and latest.tree_size >= size):
        return latest
    root, fresh = await tree_root(db, size)
    if fresh:
        await db.execute(insert(AuditNode), [{"level": level, "index": index, "hash": node}
                                             for level, index, node in fresh])
    now = clock.now()
    checkpoint = AuditCheckpoint(tree_size=size, root_hash=root, head_hash=head, created_at=now, key_id=signer.key_id,
                                 signature=signer.sign(checkpoint_message(size, now, root, head)))
    db.add(checkpoint)
    await db.flush()
    return checkpoint
