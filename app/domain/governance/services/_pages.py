"""Read models of the governance pages: the policy page, the approvals list and one request's page.

Each says what the caller may do there, so the page shows only the forms that can work; the services still check
every write.
"""

from __future__ import annotations

from typing import Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem
from app.domain.accounts.schemas import Principal
from app.domain.governance.schemas import ApprovalDetail, ApprovalSummary, PolicyInfo
from app.domain.governance.services._requests import ApprovalService
from app.domain.governance.services._store import current_policy, policy_info
from app.domain.governance.services._views import detail_of
from app.domain.governance.services._words import needs_approval, or_list, ordered_roles, transition_label
from app.domain.projects.permissions import Action, allowed
from app.domain.projects.services._access import check_project_role, find_project
from app.domain.projects.services._views import ProjectView, project_view
from buildrunner.governance import Policy

__all__ = ["ApprovalPage", "ApprovalsPage", "GatePage", "GovernancePages", "PolicyPage", "RuleLine"]

_MAX_TARGETS: Final = 500


class GatePage(msgspec.Struct, frozen=True, kw_only=True):
    """A status gate in words."""

    status: str
    roles: str
    criteria: bool


class RuleLine(msgspec.Struct, frozen=True, kw_only=True):
    """An approval rule in words."""

    transition: str
    label: str
    needs: str


class PolicyPage(msgspec.Struct, frozen=True, kw_only=True):
    """The policy page: the current policy, its rules in words, and whether (and how) the caller may change it."""

    view: ProjectView
    info: PolicyInfo
    gates: list[GatePage]
    rules: list[RuleLine]
    can_change: bool
    change_needs: str | None
    pending: list[ApprovalSummary]


class ApprovalsPage(msgspec.Struct, frozen=True, kw_only=True):
    """The approvals list, and the request form's choices (transitions the policy governs, milestones and steps)."""

    view: ProjectView
    items: list[ApprovalSummary]
    status: str
    can_request: bool
    transitions: list[RuleLine]
    targets: list[tuple[str, str]]


class ApprovalPage(msgspec.Struct, frozen=True, kw_only=True):
    """One request: its details and thread, and what the caller may do with it (``decide_note`` says why not)."""

    view: ProjectView
    detail: ApprovalDetail
    can_decide: bool
    decide_note: str | None
    can_withdraw: bool
    can_comment: bool


def _gates(policy: Policy) -> list[GatePage]:
    rows = []
    for status, gate in policy.status_gates.items():
        roles = or_list(ordered_roles(gate.roles)) if gate.roles else ""
        rows.append(GatePage(status=status, roles=roles, criteria=gate.require_all_criteria_met))
    return rows


def _rules(policy: Policy, *, requestable: bool = False) -> list[RuleLine]:
    lines = []
    for transition in policy.approvals:
        rule = policy.approval_for(transition)
        if rule is None or (requestable and transition == "policy_change"):
            continue
        lines.append(RuleLine(transition=transition, label=transition_label(transition), needs=needs_approval(rule)))
    return lines


class GovernancePages:
    """Builds the governance pages' read models for a caller."""

    def __init__(self, db: AsyncSession, approvals: ApprovalService) -> None:
        """Bind to a database session and the approval service (which mails)."""
        self.db = db
        self.approvals = approvals

    async def policy_page(self, actor: Principal, key: str, *, org: str | None = None) -> PolicyPage:
        """The policy page of ``key``.

        Raises:
            NotFound: not a project of the actor's.
        """
        project = await find_project(self.db, actor, key, org=org)
        view = project_view(actor, project)
        policy = await current_policy(self.db, project.id)
        rule = policy.approval_for("policy_change")
        pending = [item for item in await self.approvals.summaries(project, "pending")
                   if item.transition == "policy_change"]
        return PolicyPage(
            view=view, info=await policy_info(self.db, project.id), gates=_gates(policy), rules=_rules(policy),
            can_change=allowed(actor, check_project_role(project.role), Action.CHANGE_POLICY),
            change_needs=needs_approval(rule) if rule is not None and not actor.is_system else None, pending=pending,
        )

    async def approvals_page(self, actor: Principal, key: str, *, status: str = "pending",
                             org: str | None = None) -> ApprovalsPage:
        """The approvals list of ``key``, filtered by ``status`` (pending, decided or all).

        Raises:
            NotFound: not a project of the actor's. ValidationFailed: an unknown filter.
        """
        project = await find_project(self.db, actor, key, org=org)
        items = await self.approvals.summaries(project, status)
        policy = await current_policy(self.db, project.id)
        rows = await self.db.execute(
            select(PlanItem.item_id, PlanItem.title).where(PlanItem.project_id == project.id,
                                                           PlanItem.kind.in_(("milestone", "step")))
            .order_by(PlanItem.position).limit(_MAX_TARGETS)
        )
        return ApprovalsPage(
            view=project_view(actor, project), items=items, status=status.strip().lower() or "all",
            can_request=allowed(actor, check_project_role(project.role), Action.REQUEST_APPROVAL),
            transitions=_rules(policy, requestable=True), targets=[(item_id, title) for item_id, title in rows],
        )

    async def approval_page(self, actor: Principal, key: str, approval_id: str, *,
                            org: str | None = None) -> ApprovalPage:
        """One request's page.

        Raises:
            NotFound: no such request in a project of the actor's.
        """
        project = await find_project(self.db, actor, key, org=org)
        row = await self.approvals.row(project, approval_id)
        policy = await current_policy(self.db, project.id)
        role = check_project_role(project.role)
        may_decide = allowed(actor, role, Action.DECIDE_APPROVAL)
        note = self.approvals.refusal(actor, project, row, policy.approval_for(row.transition)) if may_decide else None
        own = actor.is_system or row.requested_by_id == actor.user_id
        return ApprovalPage(
            view=project_view(actor, project), detail=await detail_of(self.db, row, policy),
            can_decide=may_decide and note is None, decide_note=note if row.status == "pending" else None,
            can_withdraw=row.status == "pending" and allowed(actor, role, Action.REQUEST_APPROVAL)
            and (own or allowed(actor, role, Action.MANAGE_PROJECT)),
            can_comment=allowed(actor, role, Action.REQUEST_APPROVAL),
        )
