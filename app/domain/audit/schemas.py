"""Audit ledger values passed to pages and the JSON API (hashes as lowercase hex)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

__all__ = [
    "AuditEntryInfo",
    "AuditPage",
    "CheckpointInfo",
    "ConsistencyProof",
    "InclusionProof",
    "ProblemKind",
    "VerifyProblem",
    "VerifyReport",
]

ProblemKind = Literal["missing", "hash", "link", "node", "checkpoint_root", "checkpoint_signature", "checkpoint_key",
                      "prune"]


class AuditEntryInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One ledger entry as stored; ``organization`` is the slug when the organization still exists."""

    seq: int
    created_at: datetime
    organization_id: UUID | None
    organization: str | None
    actor: str
    action: str
    target: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    """Entries newest first; pass ``next_before`` as ``before`` for the next (older) page, ``None`` at the end."""

    entries: list[AuditEntryInfo]
    next_before: int | None


class CheckpointInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A signed tree head: the Merkle root and chain head of the first ``tree_size`` entries, Ed25519-signed."""

    tree_size: int
    root_hash: str
    head_hash: str
    created_at: datetime
    key_id: str
    signature: str


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9162 inclusion proof of entry ``seq`` (leaf ``seq - 1``) in the tree of ``checkpoint``."""

    seq: int
    leaf_index: int
    tree_size: int
    entry_hash: str
    leaf_hash: str
    path: list[str]
    checkpoint: CheckpointInfo


class ConsistencyProof(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9162 consistency proof: the tree of ``new_size`` entries extends the tree of ``old_size``."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]


class VerifyProblem(msgspec.Struct, frozen=True, kw_only=True):
    """The first thing found wrong: ``seq`` is the first bad entry (``through`` ends a range when only a range can
    be named), ``checkpoint`` the tree size of a bad checkpoint."""

    kind: ProblemKind
    message: str
    seq: int | None = None
    through: int | None = None
    checkpoint: int | None = None


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a verification walked and what it found; ``unsigned`` entries come after the latest checkpoint."""

    ok: bool
    entries: int
    checkpoints: int
    first_seq: int | None
    last_seq: int | None
    latest_checkpoint: int | None
    unsigned: int
    pruned_through: int
    seconds: float
    problem: VerifyProblem | None = None
