"""Governance services (framework-free): project policies, approvals, and the policy's checks on plan writes
(:func:`enforce_status_change`, :func:`enforce_plan_revision`, called by ``PlanService`` before a revision is saved)."""

from __future__ import annotations

# Import order matters: PlanService (app.domain.projects.services) imports enforce_plan_revision from here, and the
# approval modules import the project services. _checks and _enforce come first and import nothing of
# app.domain.projects.services, so the name is bound before that package starts loading, whichever side loads first.
from app.domain.governance.services._checks import check_comment, check_target, check_transition
from app.domain.governance.services._enforce import PlanInput, enforce_plan_revision, enforce_status_change
from app.domain.governance.services._events import ApprovalEvent
from app.domain.governance.services._notify import status_label
from app.domain.governance.services._pages import (
    ApprovalPage,
    ApprovalsPage,
    GatePage,
    GovernancePages,
    PolicyPage,
    RuleLine,
)
from app.domain.governance.services._policy import PolicyService
from app.domain.governance.services._requests import ApprovalService, Decision
from app.domain.governance.services._store import DEFAULT_SOURCE, content_hash, current_policy, default_policy
from app.domain.governance.services._views import MAX_LISTED
from app.domain.governance.services._words import TRANSITION_LABELS, transition_label

__all__ = [
    "DEFAULT_SOURCE",
    "MAX_LISTED",
    "TRANSITION_LABELS",
    "ApprovalEvent",
    "ApprovalPage",
    "ApprovalService",
    "ApprovalsPage",
    "Decision",
    "GatePage",
    "GovernancePages",
    "PlanInput",
    "PolicyPage",
    "PolicyService",
    "RuleLine",
    "check_comment",
    "check_target",
    "check_transition",
    "content_hash",
    "current_policy",
    "default_policy",
    "enforce_plan_revision",
    "enforce_status_change",
    "status_label",
    "transition_label",
]
