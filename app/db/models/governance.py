"""Governance: each project's current policy, and approval requests with their comment thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models._types import JsonList

__all__ = ["Approval", "ApprovalComment", "ProjectPolicy"]


class ProjectPolicy(UUIDv7AuditBase):
    """The policy a project runs under (one row per project; none means the default policy).

    ``source`` is the YAML as uploaded (comments kept, shown back to people); ``document`` is the validated policy as
    JSON with every default filled in, which the server evaluates without parsing YAML again.
    """

    __tablename__ = "project_policy"

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JsonList, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       default=None)


class Approval(UUIDv7AuditBase):
    """A request to approve a governed transition (``milestone_completion``, ``policy_change`` ...).

    ``target`` names what it is about: a milestone or step id, or the SHA-256 of a proposed policy; ``payload`` holds
    what an approval applies (the proposed policy's YAML and the hash of the policy it replaces). ``status`` moves
    once, from ``pending`` to ``approved``, ``denied`` or ``withdrawn``.
    """

    __tablename__ = "approval"
    __table_args__ = (
        Index("ix_approval_project_status", "project_id", "status"),
        Index("ix_approval_project_transition_target", "project_id", "transition", "target"),
    )

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    transition: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonList, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         default=None)
    decided_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ApprovalComment(UUIDv7AuditBase):
    """One entry of an approval's thread: a comment, or a decision (``approve``, ``deny``, ``withdraw``) with its
    optional comment. Approvals from different people are counted from the ``approve`` entries (``min_approvals``).
    """

    __tablename__ = "approval_comment"
    __table_args__ = (Index("ix_approval_comment_approval_created", "approval_id", "created_at"),)

    approval_id: Mapped[UUID] = mapped_column(ForeignKey("approval.id", ondelete="CASCADE"))
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    kind: Mapped[str] = mapped_column(String(10), default="comment")
    text: Mapped[str] = mapped_column(Text, default="")
