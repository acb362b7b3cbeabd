"""Plan revisions (full snapshots) and the materialized items of the current revision."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models._types import JsonList

__all__ = ["PlanItem", "PlanRevision"]


class PlanRevision(UUIDv7AuditBase):
    """One saved version of a project's plan.json; ``number`` counts from 1 per project."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    message: Mapped[str] = mapped_column(String(500), default="")
    # Microsteps done and in all, for the burn-up chart (which would otherwise decode every snapshot).
    done_count: Mapped[int] = mapped_column(default=0, server_default="0")
    total_count: Mapped[int] = mapped_column(default=0, server_default="0")


class PlanItem(UUIDv7AuditBase):
    """A milestone, step or microstep of a project's current plan, kept for filtering and search.

    Rebuilt from the snapshot on every revision; the snapshot stays the source of truth.
    """

    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("project_id", "item_id"),
        Index("ix_plan_item_project_status", "project_id", "status"),
        Index("ix_plan_item_project_owner", "project_id", "owner"),
    )

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[str | None] = mapped_column(String(200), default=None)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(20), default=None)
    owner: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[list[str]] = mapped_column(JsonList, default=list)
    criteria_met: Mapped[int] = mapped_column(default=0)
    criteria_total: Mapped[int] = mapped_column(default=0)
