"""The quick check that ``verify`` runs first: is the whole ledger intact? Yes or no, in a fraction of the walk's time.

Only a "no" needs the full walk (``_verify``), which then names the first bad entry; so the quick check must never
pass a ledger the walk would fail, and may fail one the walk passes (the walk has the last word). It checks:

1. **The chain**, in the database (``_scan.scan_chain``): every entry's hash recomputed from its stored fields, every
   link to the previous entry, and no gap (the row count of a primary-key range). Nothing crosses into Python.
2. **Every checkpoint** after the last prune: its signature and key, its signed chain head against the stored hash
   of its last entry, and its signed Merkle root recomputed from the stored subtree hashes (tiles of 256 entries and
   up) plus the leaves of the entries after the last complete tile — a few hundred hashes per checkpoint.
3. **Every stored subtree hash**: none below a tile or beyond the latest checkpoint's complete tiles, and every one
   above a tile equal to the hash of its two children, which must be stored too.

Why this finds everything the walk's recomputation of the whole tree finds (collision resistance assumed): (1) and
the signed heads make the entries exactly those each checkpoint signed. Each stored subtree was first stored by a
checkpoint whose covering subtrees contain it, so (3) links it, through stored parents, to a covering subtree of
that checkpoint, which (2) ties to the signed root: a changed subtree hash breaks a parent or a root; one changed
before a checkpoint was made and changed back afterwards leaves that checkpoint's root (or its fresh parents)
wrong. A deleted subtree hash fails (2) or (3) as well, though the walk tolerates it: the walk then decides.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.audit.encoding import GENESIS, checkpoint_message
from app.domain.audit.merkle import EMPTY_ROOT, Frontier, node_hash
from app.domain.audit.services._checkpoints import TILE, TILE_LEVEL
from app.domain.audit.services._scan import checkpoint_hashes, scan_chain
from app.domain.audit.signing import LedgerSigner

__all__ = ["StoredCheckpoint", "ledger_intact"]

Nodes = Mapping[tuple[int, int], bytes]
_sha256 = hashlib.sha256
_BATCH = 16


class StoredCheckpoint(NamedTuple):
    """A checkpoint row as verification reads it."""

    tree_size: int
    root_hash: bytes
    head_hash: bytes
    created_at: datetime
    key_id: str
    signature: bytes


def signature_ok(signer: LedgerSigner, cp: StoredCheckpoint) -> bool:
    """Whether ``cp`` was signed by this server's key over exactly its stored fields."""
    message = checkpoint_message(cp.tree_size, cp.created_at, cp.root_hash, cp.head_hash)
    return cp.key_id == signer.key_id and signer.verify(message, cp.signature)


def tree_root(covering: Sequence[bytes], leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 root of a tree made of the complete subtrees ``covering`` (largest first) followed by ``leaves``.

    The leaves are paired level by level, an odd last node carried up unchanged: the same tree as the RFC's
    recursive split, built with one list comprehension per level.
    """
    level = list(leaves)
    while len(level) > 1:
        pairs = iter(level)
        merged = [_sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        level = merged + level[len(merged) * 2:]
    nodes = [*covering, *level]
    if not nodes:
        return EMPTY_ROOT
    digest = nodes[-1]
    for node in reversed(nodes[:-1]):
        digest = node_hash(node, digest)
    return digest


def nodes_consistent(nodes: Nodes, covered: int) -> bool:
    """(3) of the module docstring; ``covered`` is the latest checkpoint's size rounded down to a whole tile."""
    for (level, index), digest in nodes.items():
        if level < TILE_LEVEL or (index + 1) << level > covered:
            return False
        if level > TILE_LEVEL:
            left, right = nodes.get((level - 1, 2 * index)), nodes.get((level - 1, 2 * index + 1))
            if left is None or right is None or node_hash(left, right) != digest:
                return False
    return True


def checkpoint_consistent(cp: StoredCheckpoint, nodes: Nodes, hashes: Mapping[int, bytes]) -> bool:
    """(2) of the module docstring, but for the signature: chain head and Merkle root of ``cp``."""
    size = cp.tree_size
    tiles = size - size % TILE
    if hashes.get(size) != cp.head_hash:
        return False
    try:
        covering = [nodes[key] for key in Frontier.covering(tiles)]
        tail = [hashes[seq] for seq in range(tiles + 1, size + 1)]
    except KeyError:  # a stored subtree hash or an entry is missing
        return False
    return tree_root(covering, [_sha256(b"\x00" + digest).digest() for digest in tail]) == cp.root_hash


def _checkpoint_batches(signer: LedgerSigner, later: Sequence[StoredCheckpoint], nodes: Nodes,
                        hashes: Mapping[int, bytes]) -> Iterator[bool]:
    """(2) for ``later``, a few checkpoints at a time (one signature check costs as much as hashing 200 entries)."""
    for start in range(0, len(later), _BATCH):
        yield all(signature_ok(signer, cp) and checkpoint_consistent(cp, nodes, hashes)
                  for cp in later[start:start + _BATCH])


async def ledger_intact(db: AsyncSession, signer: LedgerSigner, checkpoints: Sequence[StoredCheckpoint], *,
                        nodes: Nodes, pruned: int, head: int) -> bool:
    """Whether the ledger passes every check of the module docstring (``head``: the last seq, ``pruned``: the
    last prune's ``through_seq``, whose own checks and whose earlier checkpoints' signatures the caller made).

    The checkpoints are checked in Python while the chain is scanned, on connections (PostgreSQL) or in worker
    processes (SQLite, a large ledger) of its own; between batches the event loop lets the scan through.
    """
    later = [cp for cp in checkpoints if cp.tree_size > pruned]
    covered = checkpoints[-1].tree_size // TILE * TILE if checkpoints else 0
    if any(cp.tree_size > head for cp in later) or not nodes_consistent(nodes, covered):
        return False
    scan = asyncio.ensure_future(scan_chain(db, pruned, head, None if pruned else GENESIS)) if head > pruned else None
    consistent = True
    try:
        hashes = await checkpoint_hashes(db, [cp.tree_size for cp in later]) if later else {}
        for batch_ok in _checkpoint_batches(signer, later, nodes, hashes):
            await asyncio.sleep(0)
            if not batch_ok:
                consistent = False
                break
    finally:
        rows, suspect = await scan if scan is not None else (0, None)
    return consistent and rows == max(0, head - pruned) and suspect is None
