"""Appending to the ledger: :func:`record` one entry, :func:`record_many` a batch, inside the caller's transaction.

The entry commits or rolls back with the action it describes. Call ``record`` last before the commit: from then on
the transaction holds the ledger lock (see ``_sql.lock_ledger``), and other appends wait for it to end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple
from uuid import UUID

import msgspec
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.domain.accounts.schemas import Principal
from app.domain.audit.encoding import canonical_payload, clean_text, entry_body, entry_hash
from app.domain.audit.services._checkpoints import chain_head, create_checkpoint
from app.domain.audit.services._config import ledger_config
from app.domain.audit.services._sql import EntryRow, encoding_for, insert_entries, lock_ledger
from app.lib import clock

__all__ = ["ACTIONS", "AuditEvent", "AuditRecord", "actor_label", "record", "record_many"]

TEXT_LIMIT: Final = 400
ACTION_LIMIT: Final = 64
_HEAD: Final = "audit_ledger_head"  # session.info keys
_HEAD_LISTENER: Final = "audit_ledger_head_listener"
# The actions BuildRunner records (any dotted lower-case name is accepted; these fill the admin page's filter).
ACTIONS: Final = (
    "auth.login", "auth.login_failed", "apikey.create", "apikey.revoke", "member.role_change", "policy.change",
    "approval.request", "approval.approve", "approval.deny", "plan.status_change", "plan.revision",
    "admin.impersonate", "admin.impersonate_end", "audit.prune", "approval.withdraw", "conflict.logged",
    "conflict.resolved",
    "comment.create", "comment.edit", "comment.delete", "comment.resolve", "comment.reopen", "comment.promote",
)


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something to record: who did ``action`` to ``target`` in organization ``org_id`` (``None``: global)."""

    actor: str
    action: str
    target: str = ""
    payload: Mapping[str, Any] = msgspec.field(default_factory=dict)
    org_id: UUID | None = None


class AuditRecord(NamedTuple):
    """An appended entry: its sequence number and hash."""

    seq: int
    hash: bytes


def actor_label(actor: Principal | str | None) -> str:
    """How an entry names who acted: the email of a session, ``email [key <id>]`` for an API key, ``system``, and
    ``admin@… as user@…`` for a GlobalAdmin impersonating someone."""
    if actor is None:
        return "anonymous"
    if isinstance(actor, str):
        return actor
    if actor.is_system:
        return "system"
    if actor.via == "api_key":
        return f"{actor.email} [key {actor.credential_id}]"
    if actor.impersonator is not None:
        return f"{actor.impersonator} as {actor.email}"
    return actor.email


async def record(
    db: AsyncSession, actor: Principal | str | None, action: str, *, target: str = "",
    payload: Mapping[str, Any] | None = None, org_id: UUID | None = None, commit: bool = False,
) -> AuditRecord:
    """Append one entry in the caller's transaction (``commit=True`` commits it, for a request that then fails).

    Raises:
        TypeError: when ``payload`` holds something JSON cannot (a programming error).
    """
    event = AuditEvent(actor=actor_label(actor), action=action, target=target, payload=payload or {}, org_id=org_id)
    return (await record_many(db, [event], commit=commit))[0]


def _session_head(db: AsyncSession) -> tuple[int, bytes] | None:
    """The head this transaction appended last, if it holds the ledger lock from an earlier append."""
    session = db.sync_session
    cached = session.info.get(_HEAD)
    if cached is None or cached[0] is not session.get_transaction():
        return None
    return cached[1], cached[2]


def _remember_head(db: AsyncSession, seq: int, digest: bytes) -> None:
    # The lock is held until the transaction ends, so no one else can append meanwhile: a second record() in the
    # same transaction needs neither the lock nor the head query. Any commit or rollback (a savepoint's too)
    # forgets it, so an entry that was rolled back is never chained onto.
    session = db.sync_session
    if _HEAD_LISTENER not in session.info:
        session.info[_HEAD_LISTENER] = True
        for name in ("after_commit", "after_soft_rollback"):
            event.listen(session, name, _forget_head)
    session.info[_HEAD] = (session.get_transaction(), seq, digest)


def _forget_head(session: Session, *_args: object) -> None:
    session.info.pop(_HEAD, None)


async def record_many(db: AsyncSession, events: Sequence[AuditEvent], *, commit: bool = False) -> list[AuditRecord]:
    """Append ``events`` in order with one lock, one head read and one multi-row INSERT (the first append of a
    transaction; later ones in the same transaction only insert).

    Crossing a multiple of the checkpoint interval makes a checkpoint at the new head (when a key is configured).
    """
    if not events:
        return []
    head = _session_head(db)
    if head is None:
        await lock_ledger(db)
        head = await chain_head(db)
    head_seq, prev = head
    encoding = encoding_for((await db.connection()).dialect.name)
    now = clock.now()
    rows: list[EntryRow] = []
    records: list[AuditRecord] = []
    seq = head_seq
    for item in events:
        seq += 1
        actor = clean_text(item.actor, TEXT_LIMIT)
        action = clean_text(item.action, ACTION_LIMIT)
        target = clean_text(item.target, TEXT_LIMIT)
        payload = canonical_payload(item.payload)
        body = entry_body(seq=seq, created_at=now, organization_id=item.org_id, actor=actor, action=action,
                          target=target, payload=payload, encoding=encoding)
        digest = entry_hash(prev, body)
        rows.append((seq, now, item.org_id, actor, action, target, payload, prev, digest, encoding))
        records.append(AuditRecord(seq, digest))
        prev = digest
    await insert_entries(db, rows)
    _remember_head(db, seq, prev)
    config = ledger_config()
    every = config.checkpoint_every
    if config.signer is not None and every > 0 and seq // every > head_seq // every:
        # At the multiple crossed (the last, when a batch crosses several), not at the new head: checkpoint sizes
        # then don't depend on how appends were batched, and with the default they end on a whole tile, which
        # leaves no entries after the last tile to hash when the checkpoint is made, proven or verified.
        size = seq // every * every
        await create_checkpoint(db, config.signer, at=(size, records[size - head_seq - 1].hash))
    if commit:
        await db.commit()
    return records
