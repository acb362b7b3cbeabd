"""Idempotent writes: the first answer to a request with an ``Idempotency-Key`` is kept and replayed to retries.

Keys belong to a project and a caller, so nobody can read another caller's answer by guessing a key. A key is
claimed with a row whose unique constraint lets only one request run: a concurrent duplicate is told the first is
still in progress. A claim whose request died (no answer after ``IN_PROGRESS_LEASE``) may be taken over. Answers
are kept for ``RETENTION``; older rows are purged whenever a key is claimed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import IdempotencyRecord
from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.services._access import find_project
from app.lib import clock
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["IN_PROGRESS_LEASE", "RETENTION", "Claim", "IdempotencyService", "StoredAnswer", "request_hash"]

RETENTION: Final = timedelta(hours=24)
IN_PROGRESS_LEASE: Final = timedelta(minutes=2)


class StoredAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """An answer as it was sent: status, body, media type and ETag."""

    status: int
    body: bytes
    media_type: str
    etag: str | None = None


class Claim(msgspec.Struct, frozen=True, kw_only=True):
    """The right to run a request under its key; finish it with :meth:`IdempotencyService.finish`."""

    record_id: UUID


def request_hash(method: str, path: str, if_match: str | None, body: bytes) -> str:
    """What makes two requests the same request: method, path, ``If-Match`` and body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), (if_match or "").strip().encode(), body):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no two different requests collide
        digest.update(part)
    return digest.hexdigest()


class IdempotencyService:
    """Claims keys, keeps answers and replays them."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def begin(self, actor: Principal, key: str, idempotency_key: str, fingerprint: str, *, action: Action,
                    org: str | None = None) -> Claim | StoredAnswer:
        """Claim ``idempotency_key`` for this request in project ``key``, or return the answer already given to it.

        The caller is checked for ``action`` first, so a refused caller learns nothing about stored answers.

        Raises:
            ValidationFailed: the key was used for a different request (``fingerprint`` differs).
            Conflict: a request with the key is still running.
        """
        project = await find_project(self.db, actor, key, org=org, action=action)
        now = clock.now()
        await self.db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION))
        scope = (IdempotencyRecord.project_id == project.id, IdempotencyRecord.caller_id == actor.user_id,
                 IdempotencyRecord.key == idempotency_key)
        record = await self.db.scalar(select(IdempotencyRecord).where(*scope))
        if record is None:
            record = IdempotencyRecord(project_id=project.id, caller_id=actor.user_id, key=idempotency_key,
                                       request_hash=fingerprint, created_at=now)
            self.db.add(record)
            try:
                await self.db.commit()
                return Claim(record_id=record.id)
            except IntegrityError:  # a concurrent request with the same key claimed it first
                await self.db.rollback()
            record = await self.db.scalar(select(IdempotencyRecord).where(*scope))
            if record is None:
                raise _in_progress()
        await self.db.commit()  # the purge
        if record.request_hash != fingerprint:
            raise ValidationFailed("Idempotency-Key", _(
                "Idempotency-Key was already used for a different request; send a new key with a new request"))
        if record.status is not None:
            return StoredAnswer(status=record.status, body=record.body.encode("utf-8"), media_type=record.media_type,
                                etag=record.etag)
        return await self._take_over(record, now)

    async def finish(self, claim: Claim, answer: StoredAnswer) -> None:
        """Keep ``answer`` for replays."""
        await self.db.execute(update(IdempotencyRecord).where(IdempotencyRecord.id == claim.record_id).values(
            status=answer.status, body=answer.body.decode("utf-8"), media_type=answer.media_type, etag=answer.etag))
        await self.db.commit()

    async def release(self, claim: Claim) -> None:
        """Give a claim up (the request failed without an answer worth keeping): a retry runs afresh."""
        await self.db.rollback()
        await self.db.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == claim.record_id,
                                                              IdempotencyRecord.status.is_(None)))
        await self.db.commit()

    async def _take_over(self, record: IdempotencyRecord, now: datetime) -> Claim:
        if record.created_at > now - IN_PROGRESS_LEASE:
            raise _in_progress()
        # The first request died without answering. Only one retry may take over: the update names the old time.
        taken = await self.db.execute(
            update(IdempotencyRecord).where(IdempotencyRecord.id == record.id, IdempotencyRecord.status.is_(None),
                                            IdempotencyRecord.created_at == record.created_at)
            .values(created_at=now))
        await self.db.commit()
        if getattr(taken, "rowcount", 1) != 1:
            raise _in_progress()
        return Claim(record_id=record.id)


def _in_progress() -> Conflict:
    return Conflict(_("a request with this Idempotency-Key is in progress; wait for it, then retry to get its answer"))
