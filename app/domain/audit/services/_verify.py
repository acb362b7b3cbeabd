"""Verification: a quick yes/no check of the whole ledger (``_quick``), and only when it says no (or ``full=True``)
a walk of the whole ledger, in order, that names the first thing wrong. A ledger the walk fails never passes the
quick check; the report of a ledger that passes both is the same.

The walk checks every entry's hash against its stored fields (the database builds the canonical body, see ``_sql``),
every link to the previous entry, gap-free sequence numbers, the Merkle root and chain head of every checkpoint
(recomputed from the entries), every checkpoint signature, and every stored subtree hash on the way.

Entries stream in batches of ``BATCH`` through the driver; each batch is checked with list comprehensions and tuple
comparisons (C loops), and only a batch that fails is searched entry by entry for the first bad one. The Merkle
tree is built bottom-up over aligned power-of-two chunks of each batch, so a leaf costs one hash and a node one more.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import time
from collections.abc import Iterator, Sequence
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, AuditPrune
from app.domain.audit.encoding import GENESIS
from app.domain.audit.merkle import Frontier
from app.domain.audit.schemas import ProblemKind, VerifyProblem, VerifyReport
from app.domain.audit.services._checkpoints import TILE, TILE_LEVEL, load_nodes
from app.domain.audit.services._quick import StoredCheckpoint as _Checkpoint
from app.domain.audit.services._quick import ledger_intact, signature_ok
from app.domain.audit.services._sql import Batch, fetch_entries, stored_nodes
from app.domain.audit.signing import LedgerSigner
from app.lib.i18n import gettext as _

__all__ = ["BATCH", "verify_ledger"]

BATCH: Final = 1 << 14
_sha256 = hashlib.sha256


class _Found(Exception):  # noqa: N818  (control flow inside this module, never raised out of it)
    def __init__(self, problem: VerifyProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _problem(kind: ProblemKind, message: str, *, seq: int | None = None, through: int | None = None,
             checkpoint: int | None = None) -> _Found:
    return _Found(VerifyProblem(kind=kind, message=message, seq=seq, through=through, checkpoint=checkpoint))


def _first_mismatch(left: Sequence[object], right: Sequence[object]) -> int:
    return next((i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), min(len(left), len(right)))


class _Walk:
    """The state of one verification between batches."""

    def __init__(self, signer: LedgerSigner, checkpoints: Sequence[_Checkpoint], frontier: Frontier,
                 last_hash: bytes | None) -> None:
        self.signer = signer
        self.pending = [cp for cp in checkpoints if cp.tree_size > frontier.size]
        self.frontier = frontier
        self.last_hash = last_hash
        self.expect = frontier.size + 1
        self.count = 0
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.proven = frontier.size  # entries up to here match a stored subtree or a checkpoint

    def check_signature(self, cp: _Checkpoint) -> None:
        if cp.key_id != self.signer.key_id:
            raise _problem("checkpoint_key", _(
                "the checkpoint of %(size)s entries was signed by key %(key)s, not by this server's key %(ours)s "
                "(was BR_SECRET_KEY changed?)") % {"size": cp.tree_size, "key": cp.key_id, "ours": self.signer.key_id},
                checkpoint=cp.tree_size)
        if not signature_ok(self.signer, cp):
            raise _problem("checkpoint_signature", _(
                "the signature of the checkpoint of %(size)s entries is not valid: the checkpoint was altered")
                % {"size": cp.tree_size}, checkpoint=cp.tree_size)

    def batch(self, rows: Batch) -> None:
        """Check one batch; raises :class:`_Found` with the first problem."""
        seqs, prevs, hashes, bodies = zip(*rows, strict=True)
        start = self.expect
        bad = len(seqs)
        if seqs[0] != start or seqs[-1] != start + bad - 1:
            bad = _first_mismatch(seqs, range(start, start + bad))
        links_ok = (self.last_hash is None or prevs[0] == self.last_hash) and prevs[1:] == hashes[:-1]
        computed = [_sha256(prev + body).digest() for prev, body in zip(prevs, bodies, strict=True)]
        hashes_ok = computed == list(hashes)
        first_link = bad if links_ok else _first_mismatch((self.last_hash or prevs[0], *hashes[:-1]), prevs)
        first_hash = bad if hashes_ok else _first_mismatch(computed, hashes)
        index = min(bad, first_link, first_hash)
        self.merkle(hashes[:index])
        self.count += index
        if index < len(seqs):
            self.entry_problem(index, seqs, first_link, bad)
        self.expect += index
        self.last_hash = hashes[-1]

    def entry_problem(self, index: int, seqs: Sequence[int], first_link: int, bad: int) -> None:
        seq = self.expect + index
        if index == bad:
            raise _problem("missing", _("entry %(seq)s is missing (the next entry is %(next)s): entries were deleted "
                                        "or renumbered") % {"seq": seq, "next": seqs[index]}, seq=seq)
        if index == first_link:
            raise _problem("link", _("entry %(seq)s does not link to entry %(prev)s: an entry was removed, inserted or "
                                     "reordered, or a hash was changed") % {"seq": seq, "prev": seq - 1}, seq=seq)
        raise _problem("hash", _("entry %(seq)s does not match its hash: a field of it was changed")
                       % {"seq": seq}, seq=seq)

    def merkle(self, hashes: Sequence[bytes]) -> None:
        """Add leaves to the tree, checking stored subtrees and each checkpoint reached."""
        leaves = [_sha256(b"\x00" + digest).digest() for digest in hashes]
        base, pos, total = self.frontier.size, 0, len(leaves)
        while pos < total:
            stop = total
            if self.pending and self.pending[0].tree_size - base < total:
                stop = self.pending[0].tree_size - base
            while pos < stop:
                at = base + pos
                level = min((at & -at).bit_length() - 1 if at else 63, (stop - pos).bit_length() - 1)
                root = self.chunk(leaves[pos:pos + (1 << level)], at)
                for node_level, node_index, node in self.frontier.push(level, root):
                    self.compare(node_level, node_index, node)
                pos += 1 << level
            if self.pending and self.pending[0].tree_size == base + pos:
                self.reach(self.pending.pop(0), hashes[pos - 1])

    def chunk(self, level_hashes: list[bytes], at: int) -> bytes:
        level = 0
        while len(level_hashes) > 1:
            pairs = iter(level_hashes)
            level_hashes = [_sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
            level += 1
            if level >= TILE_LEVEL:
                for offset, node in enumerate(level_hashes):
                    self.compare(level, (at >> level) + offset, node)
        return level_hashes[0]

    def compare(self, level: int, index: int, node: bytes) -> None:
        stored = self.nodes.get((level, index))
        first, through = (index << level) + 1, (index + 1) << level
        if stored == node:
            self.proven = max(self.proven, through)
        elif stored is not None:
            raise _problem("node", _(
                "entries %(first)s to %(through)s do not match the Merkle subtree stored for them: one of these "
                "entries was changed and the chain after it recomputed (or the stored hash was changed)")
                % {"first": first, "through": through}, seq=first, through=through)

    def reach(self, cp: _Checkpoint, head: bytes) -> None:
        self.check_signature(cp)
        if self.frontier.root() != cp.root_hash or head != cp.head_hash:
            raise _problem("checkpoint_root", _(
                "entries %(first)s to %(size)s do not match the signed checkpoint of %(size)s entries: one of them was "
                "changed and the chain after it recomputed") % {"first": self.proven + 1, "size": cp.tree_size},
                seq=self.proven + 1, through=cp.tree_size, checkpoint=cp.tree_size)
        self.proven = cp.tree_size


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: each batch allocates 16,384 row tuples, which it would otherwise walk
    again and again (a quarter of the time); nothing here makes reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def _start(db: AsyncSession, signer: LedgerSigner, checkpoints: Sequence[_Checkpoint]) -> tuple[_Walk, int]:
    pruned = int(await db.scalar(select(func.coalesce(func.max(AuditPrune.through_seq), 0))) or 0)
    covering = Frontier.covering(pruned)
    nodes = await load_nodes(db, covering)
    kept = bool(checkpoints) and checkpoints[-1].tree_size >= pruned and len(nodes) == len(covering)
    recorded = await db.scalar(select(AuditEntry.seq).where(  # the prune's own entry, which no prune removes
        AuditEntry.action == "audit.prune", AuditEntry.seq > pruned, AuditEntry.target.endswith(f"-{pruned}")))
    if pruned and (pruned % TILE or not kept or recorded is None):
        raise _problem("prune", _("the prune through entry %(seq)s is not one br-server audit prune made (it must end "
                                  "at a checkpointed tile boundary, keep its subtree hashes and be in the ledger): "
                                  "entries were deleted behind its back")
                       % {"seq": pruned}, seq=pruned)
    walk = _Walk(signer, checkpoints, Frontier.resume(pruned, (nodes[key] for key in covering)),
                 None if pruned else GENESIS)
    for cp in checkpoints:
        if cp.tree_size <= pruned:
            walk.check_signature(cp)
    return walk, pruned


async def _walk_entries(db: AsyncSession, walk: _Walk, head: int, batch: int) -> None:
    """The full walk over every entry after the prune; raises :class:`_Found` with the first problem."""
    with _collector_paused():
        while walk.expect <= head:
            rows = await fetch_entries(db, walk.expect - 1, head, batch)
            if not rows:
                break
            walk.batch(rows)
    if walk.pending:
        missing = walk.pending[0].tree_size
        raise _problem("missing", _("entries %(first)s to %(last)s are missing: the checkpoint of %(size)s "
                                    "entries covers them") % {"first": walk.expect, "last": missing,
                                                              "size": missing},
                       seq=walk.expect, through=missing, checkpoint=missing)


async def verify_ledger(db: AsyncSession, signer: LedgerSigner, *, batch: int = BATCH,
                        full: bool = False) -> VerifyReport:
    """Verify the whole ledger (see the module docstring); never raises for a bad ledger, reports it.

    Args:
        db: the session to read with.
        signer: the key checkpoints must be signed with.
        batch: entries per batch of the full walk.
        full: walk every entry even when the quick check passes (tests and benchmarks compare the two).
    """
    began = time.perf_counter()
    # Plain rows, not ORM objects: the session may hold checkpoints loaded before someone changed them.
    stored = await db.execute(select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash, AuditCheckpoint.head_hash,
                                   AuditCheckpoint.created_at, AuditCheckpoint.key_id, AuditCheckpoint.signature)
                            .order_by(AuditCheckpoint.tree_size))
    checkpoints = [_Checkpoint(int(size), bytes(root), bytes(head), created, str(key), bytes(signature))
                   for size, root, head, created, key, signature in stored]
    head = int(await db.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)
    first = await db.scalar(select(func.min(AuditEntry.seq)))
    pruned, walk, problem = 0, None, None
    try:
        walk, pruned = await _start(db, signer, checkpoints)
        walk.nodes = await stored_nodes(db)
        if not full and await ledger_intact(db, signer, checkpoints, nodes=walk.nodes, pruned=pruned, head=head):
            walk.count = max(0, head - pruned)
        else:
            await _walk_entries(db, walk, head, batch)
    except _Found as found:
        problem = found.problem
    latest = checkpoints[-1].tree_size if checkpoints else None
    return VerifyReport(
        ok=problem is None, entries=walk.count if walk else 0, checkpoints=len(checkpoints),
        first_seq=None if first is None else int(first), last_seq=head or None, latest_checkpoint=latest,
        unsigned=max(0, head - (latest or 0)), pruned_through=pruned, seconds=round(time.perf_counter() - began, 3),
        problem=problem,
    )
