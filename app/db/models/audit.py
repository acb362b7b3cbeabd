"""The audit ledger: append-only entries in a hash chain, signed Merkle checkpoints, stored subtree hashes, prunes.

The database refuses UPDATE and DELETE on these tables (triggers created by migration ``6d1e2f3a4b5c``); the one
exception is deleting ``audit_entry`` rows at or below a recorded prune (see ``docs/audit.md``). None of them has a
foreign key: an entry outlives the organization or user it names, and a cascade would be refused anyway.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import DefaultBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Index, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["AuditCheckpoint", "AuditEntry", "AuditNode", "AuditPrune"]


class AuditEntry(DefaultBase):
    """One ledger entry. ``hash`` = SHA-256(``prev_hash`` || canonical encoding of the other fields).

    ``seq`` counts from 1 without gaps (assigned under the ledger lock, never by a sequence, so that a rolled-back
    append leaves no hole); ``payload`` is stored as its canonical JSON text, the exact bytes that were hashed.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_org_seq", "organization_id", "seq"),
        Index("ix_audit_entry_action_seq", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    organization_id: Mapped[UUID | None] = mapped_column(GUID, default=None)
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(400), default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # How the hashed body encodes the fields (``app.domain.audit.encoding``): 1 text, 2 binary (PostgreSQL).
    encoding: Mapped[int] = mapped_column(SmallInteger, default=1, server_default=text("1"))


class AuditCheckpoint(DefaultBase):
    """A signed tree head: the Merkle root and the chain head of the first ``tree_size`` entries."""

    __tablename__ = "audit_checkpoint"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    head_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class AuditNode(DefaultBase):
    """The hash of a complete Merkle subtree of ``2**level`` leaves starting at leaf ``index * 2**level``.

    Only levels of 256 leaves and more are kept (written when a checkpoint is made), so that a proof reads
    O(log n) of these rows and at most a few hundred entry hashes instead of the whole ledger.
    """

    __tablename__ = "audit_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column("idx", BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditPrune(DefaultBase):
    """A retention prune: entries with ``seq <= through_seq`` may be (and were) deleted; checkpoints stay."""

    __tablename__ = "audit_prune"

    through_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    before: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    actor: Mapped[str] = mapped_column(String(400))
