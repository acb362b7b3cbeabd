"""Sync: the conflict log of pushes that did not merge cleanly, and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models._types import JsonList

__all__ = ["IdempotencyRecord", "PlanConflict"]


class PlanConflict(UUIDv7AuditBase):
    """A push that conflicted with the plan on the server, kept until someone resolves it.

    The merge is replayed from ``base_revision``, ``local_plan`` and ``head_revision`` (revisions never change),
    so ``conflicts`` is a record of what was reported, not the only copy of the merge.
    """

    __tablename__ = "plan_conflict"
    __table_args__ = (Index("ix_plan_conflict_project_status", "project_id", "status"),)

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    base_revision: Mapped[int]
    head_revision: Mapped[int]
    local_plan: Mapped[str] = mapped_column(Text)
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JsonList, default=list)
    message: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    resolved_revision: Mapped[int | None] = mapped_column(default=None)


class IdempotencyRecord(UUIDv7AuditBase):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed to retries for 24 hours.

    Keys are scoped to a project and a caller (``caller_id`` is the user; no foreign key, so operators'
    requests can be recorded too). ``status`` is ``None`` while the first request is still running.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (
        UniqueConstraint("project_id", "caller_id", "key"),
        Index("ix_idempotency_record_created_at", "created_at"),
    )

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    caller_id: Mapped[UUID] = mapped_column(GUID(length=16))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(default=None)
    body: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[str] = mapped_column(String(100), default="")
    etag: Mapped[str | None] = mapped_column(String(20), default=None)
