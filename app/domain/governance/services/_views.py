"""Approval rows as the values the API and the pages show: who asked, who decided, the thread, who may approve."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval, ApprovalComment
from app.domain.governance.schemas import (
    APPROVAL_STATUSES,
    DECIDED,
    ApprovalDetail,
    ApprovalStatus,
    ApprovalSummary,
    CommentKind,
    CommentView,
)
from app.domain.governance.services._people import emails_of
from app.domain.governance.services._words import needs_approval, ordered_roles
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from buildrunner.governance import Policy

__all__ = ["MAX_LISTED", "check_status_filter", "detail_of", "list_rows", "summary_of"]

MAX_LISTED: Final = 200
_FILTERS: Final = ("pending", "decided", *DECIDED)


def check_status_filter(value: str) -> tuple[ApprovalStatus, ...]:
    """The statuses a listing filter means: ``pending``, ``decided`` (approved, denied or withdrawn), one status, or
    every status for ``""`` and ``all``.

    Raises:
        ValidationFailed: naming ``status`` for anything else.
    """
    cleaned = value.strip().lower()
    if cleaned in ("", "all"):
        return APPROVAL_STATUSES
    if cleaned == "decided":
        return DECIDED
    for status in APPROVAL_STATUSES:
        if cleaned == status:
            return (status,)
    raise ValidationFailed("status", _("use one of %(choices)s") % {"choices": ", ".join(("all", *_FILTERS))})


async def list_rows(db: AsyncSession, project_id: UUID, statuses: tuple[ApprovalStatus, ...]) -> list[Approval]:
    """The project's requests with these statuses: pending ones first, then the newest, at most ``MAX_LISTED``."""
    pending_first = case((Approval.status == "pending", 0), else_=1)
    rows = await db.scalars(
        select(Approval).where(Approval.project_id == project_id, Approval.status.in_(statuses))
        .order_by(pending_first, Approval.created_at.desc(), Approval.id.desc()).limit(MAX_LISTED)
    )
    return list(rows)


def _status(value: str) -> ApprovalStatus:
    for status in APPROVAL_STATUSES:
        if value == status:
            return status
    return "pending"  # pragma: no cover - the services write only these


def _fields(row: Approval, emails: dict[UUID, str], policy: Policy) -> dict[str, Any]:
    rule = policy.approval_for(row.transition) if row.status == "pending" else None
    return {
        "id": row.id, "transition": row.transition, "target": row.target, "status": _status(row.status),
        "requested_by": emails.get(row.requested_by_id) if row.requested_by_id else None,
        "requested_at": row.created_at,
        "decided_by": emails.get(row.decided_by_id) if row.decided_by_id else None, "decided_at": row.decided_at,
        "needs": needs_approval(rule) if rule is not None else None,
    }


def summary_of(row: Approval, emails: dict[UUID, str], policy: Policy) -> ApprovalSummary:
    """A request as listed (``emails`` holds the requester's and the decider's)."""
    return ApprovalSummary(**_fields(row, emails, policy))


def _kind(value: str) -> CommentKind:
    kinds: tuple[CommentKind, ...] = ("comment", "approve", "deny", "withdraw")
    return next((kind for kind in kinds if kind == value), "comment")


async def detail_of(db: AsyncSession, row: Approval, policy: Policy) -> ApprovalDetail:
    """A request with its thread, the roles that may approve it under ``policy`` and who approved it so far."""
    thread = list(await db.scalars(
        select(ApprovalComment).where(ApprovalComment.approval_id == row.id)
        .order_by(ApprovalComment.created_at, ApprovalComment.id)
    ))
    emails = await emails_of(db, [row.requested_by_id, row.decided_by_id, *(c.author_id for c in thread)])
    approved_by: list[str] = []
    for entry in thread:
        email = emails.get(entry.author_id) if entry.author_id else None
        if entry.kind == "approve" and email is not None and email not in approved_by:
            approved_by.append(email)
    rule = policy.approval_for(row.transition)
    comments = [CommentView(author=emails.get(c.author_id) if c.author_id else None, kind=_kind(c.kind), text=c.text,
                            created_at=c.created_at) for c in thread]
    return ApprovalDetail(
        **_fields(row, emails, policy), payload=dict(row.payload or {}),
        approvers=ordered_roles(rule.approvers) if rule is not None else [],
        min_approvals=rule.min_approvals if rule is not None else 1, approved_by=approved_by, comments=comments,
    )
