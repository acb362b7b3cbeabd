"""Policy and approval values passed between layers (and encoded by the JSON API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

import msgspec

from buildrunner.governance import Transition

__all__ = [
    "APPROVAL_STATUSES",
    "DECIDED",
    "MAX_COMMENT",
    "MAX_TARGET",
    "ApprovalCreate",
    "ApprovalDecision",
    "ApprovalDetail",
    "ApprovalStatus",
    "ApprovalSummary",
    "CommentCreate",
    "CommentKind",
    "CommentView",
    "PolicyChange",
    "PolicyInfo",
]

ApprovalStatus = Literal["pending", "approved", "denied", "withdrawn"]
APPROVAL_STATUSES: Final[tuple[ApprovalStatus, ...]] = ("pending", "approved", "denied", "withdrawn")
DECIDED: Final[tuple[ApprovalStatus, ...]] = ("approved", "denied", "withdrawn")
CommentKind = Literal["comment", "approve", "deny", "withdraw"]
MAX_COMMENT: Final = 5000
MAX_TARGET: Final = 200


class PolicyInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A project's current policy: the YAML as uploaded and the policy it means, every default filled in.

    ``is_default`` is true while nobody has uploaded one (the default policy of ``br init`` applies).
    """

    yaml: str
    policy: dict[str, Any]
    content_hash: str
    is_default: bool
    updated_by: str | None = None
    updated_at: datetime | None = None


class CommentView(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of an approval's thread: a comment, or a decision with its optional comment."""

    author: str | None
    kind: CommentKind
    text: str
    created_at: datetime


class ApprovalSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An approval request as listed. ``needs`` says in words who must approve it under the current policy."""

    id: UUID
    transition: str
    target: str
    status: ApprovalStatus
    requested_by: str | None
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    needs: str | None = None


class ApprovalDetail(ApprovalSummary, frozen=True, kw_only=True):
    """One approval request with what it applies (``payload``), who may approve it, who did, and the thread."""

    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    approvers: list[str] = msgspec.field(default_factory=list)
    min_approvals: int = 1
    approved_by: list[str] = msgspec.field(default_factory=list)
    comments: list[CommentView] = msgspec.field(default_factory=list)


class ApprovalCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Ask for an approval: ``target`` is the milestone or step id (``milestone_completion``, ``step_completion``)
    or whatever the transition is about. A policy change is requested by uploading the policy instead."""

    transition: Transition
    target: str
    comment: str = ""


class ApprovalDecision(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Approve, deny or withdraw a request, optionally saying why."""

    comment: str = ""


class CommentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Add a comment to a request's thread."""

    text: str


class PolicyChange(msgspec.Struct, frozen=True, kw_only=True):
    """What an upload did: applied the policy (``policy``; ``changed`` false when it was the same text), or opened
    an approval request for it (``approval``) because the current policy governs policy changes."""

    policy: PolicyInfo | None = None
    approval: ApprovalDetail | None = None
    changed: bool = False
