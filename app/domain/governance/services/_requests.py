"""Approval requests: ask, approve, deny, withdraw and comment, each checked against the project's current policy.

Only people whose project role the policy names for the transition may decide (``approvals.<transition>``), never
the requester; ``min_approvals`` approvals from different people approve a request, one denial denies it. A request
decides once: deciding a decided or withdrawn request is refused (409), and two concurrent decisions cannot both win
(the request row is locked while deciding, and its status only moves from ``pending``).
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval, ApprovalComment
from app.domain.accounts.schemas import Principal
from app.domain.audit.services import actor_label, record
from app.domain.governance.schemas import ApprovalDetail, ApprovalSummary, CommentKind
from app.domain.governance.services._checks import (
    check_comment,
    check_target,
    check_transition,
    closed,
    ledger_payload,
    ledger_target,
    proposed_policy,
)
from app.domain.governance.services._events import PendingEvents, approver_ids
from app.domain.governance.services._notify import Notifier
from app.domain.governance.services._people import emails_of, people_with_roles
from app.domain.governance.services._store import apply_policy, current_policy
from app.domain.governance.services._views import check_status_filter, detail_of, list_rows, summary_of
from app.domain.governance.services._words import needs_approval, transition_label
from app.domain.mail.services import MailService
from app.domain.projects.permissions import Action, allowed
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import check_project_role, find_project
from app.lib import clock
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.governance import ApprovalRule

__all__ = ["ApprovalService", "Decision"]

Decision = Literal["approve", "deny"]


class ApprovalService:
    """A project's approval requests and their decisions."""

    def __init__(self, db: AsyncSession, mail: MailService | None = None,
                 base_url: str = "http://127.0.0.1:8000") -> None:
        """Bind to a database session; ``mail`` sends the notifications (none: no mail), linking to ``base_url``."""
        self.db = db
        self.notifier = Notifier(mail, base_url)
        self.events = PendingEvents()  # published after each commit: :meth:`PendingEvents.publish`

    # -- reads ------------------------------------------------------------------------------------------------

    async def list_requests(self, actor: Principal, key: str, *, status: str = "", org: str | None = None,
                   ) -> list[ApprovalSummary]:
        """The project's requests (``status``: pending, decided, one status, or all), pending first, newest first.

        Raises:
            NotFound: not a project of the actor's. ValidationFailed: an unknown status filter.
        """
        project = await find_project(self.db, actor, key, org=org)
        return await self.summaries(project, status)

    async def summaries(self, project: ProjectAccess, status: str) -> list[ApprovalSummary]:
        """The listing of :meth:`list_requests`, for a project the caller was checked for."""
        rows = await list_rows(self.db, project.id, check_status_filter(status))
        policy = await current_policy(self.db, project.id)
        emails = await emails_of(self.db, [user for row in rows for user in (row.requested_by_id, row.decided_by_id)])
        return [summary_of(row, emails, policy) for row in rows]

    async def get(self, actor: Principal, key: str, approval_id: str, *, org: str | None = None) -> ApprovalDetail:
        """One request with its thread.

        Raises:
            NotFound: no such request in this project (or not a project of the actor's).
        """
        project = await find_project(self.db, actor, key, org=org)
        row = await self.row(project, approval_id)
        return await detail_of(self.db, row, await current_policy(self.db, project.id))

    async def row(self, project: ProjectAccess, approval_id: str, *, lock: bool = False) -> Approval:
        """The request ``approval_id`` of ``project`` (locked for update with ``lock``).

        Raises:
            NotFound: no such request, or not a request id at all.
        """
        reject_nul("approval_id", approval_id)
        try:
            wanted = UUID(approval_id.strip())
        except ValueError:
            wanted = None
        query = select(Approval).where(Approval.project_id == project.id, Approval.id == wanted)
        found = await self.db.scalar(query.with_for_update() if lock else query) if wanted is not None else None
        if found is None:
            raise NotFound(_("%(key)s has no approval request %(id)s") % {"key": project.key,
                                                                          "id": repr(approval_id[:40])})
        return found

    def refusal(self, actor: Principal, project: ProjectAccess, row: Approval, rule: ApprovalRule | None,
                decision: Decision = "approve") -> str | None:
        """Why ``actor`` may not decide ``row`` now, in words, or None when they may."""
        if row.status != "pending":
            return closed(row.status)
        if rule is None:
            return _("the policy no longer asks for approval of %(what)s; the requester can withdraw the request") % {
                "what": transition_label(row.transition)}
        if actor.is_system:
            return None
        if row.requested_by_id == actor.user_id:
            if decision == "deny":
                return _("you asked for this approval; withdraw it instead of denying it")
            return _("you asked for this approval, so someone else must give it: the request %(needs)s") % {
                "needs": needs_approval(rule)}
        if project.role not in rule.approvers:
            return _("this request %(needs)s; your role in %(key)s is %(role)s") % {
                "needs": needs_approval(rule), "key": project.key, "role": project.role}
        return None

    # -- writes -----------------------------------------------------------------------------------------------

    async def request(self, actor: Principal, key: str, transition: str, target: str, comment: str = "", *,
                      org: str | None = None) -> ApprovalDetail:
        """Ask for an approval the project's policy requires, and mail the people who may give it.

        Raises:
            NotFound: not a project of the actor's. PermissionDenied: the actor's role may not request approvals.
            ValidationFailed: an unknown transition, one the policy asks no approval for, ``policy_change`` (upload
                the policy instead), or a bad target or comment. Conflict: the same request is already pending.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.REQUEST_APPROVAL)
        transition = check_transition(transition)
        if transition == "policy_change":
            raise ValidationFailed("transition", _("a policy change is requested by uploading the new policy "
                                                   "(the policy page, or PUT …/policy)"))
        target, comment = check_target(target), check_comment(comment)
        policy = await current_policy(self.db, project.id)
        rule = policy.approval_for(transition)
        if rule is None:
            raise ValidationFailed("transition", _("the policy of %(key)s asks no approval for %(what)s; just go ahead")
                                   % {"key": project.key, "what": transition_label(transition)})
        row = await self.open(actor, project, transition, target, rule, comment=comment)
        await self.db.commit()
        await self.events.publish()
        return await detail_of(self.db, row, policy)

    async def open(self, actor: Principal, project: ProjectAccess, transition: str, target: str, rule: ApprovalRule,
                   *, comment: str = "", payload: dict[str, Any] | None = None) -> Approval:
        """Create a pending request (in the caller's transaction, which commits it), mail the approvers and record
        it in the audit ledger.

        Raises:
            Conflict: a request for the same transition and target is already pending.
        """
        pending = await self.db.scalar(select(Approval.id).where(
            Approval.project_id == project.id, Approval.transition == transition, Approval.target == target,
            Approval.status == "pending"))
        if pending is not None:
            raise Conflict(_("the same request is already pending (%(id)s); comment on it instead") % {"id": pending})
        requester = None if actor.is_system else actor.user_id
        row = Approval(project_id=project.id, transition=transition, target=target, payload=payload or {},
                       status="pending", requested_by_id=requester)
        self.db.add(row)
        await self.db.flush()
        if comment:
            self._thread(row, actor, "comment", comment)
        approvers = await people_with_roles(self.db, project, rule.approvers, exclude=requester)
        await self.notifier.requested(project, row, requester=actor_label(actor), needs=needs_approval(rule),
                                      comment=comment, recipients=approvers)
        self.events.add("approval.requested", project, row, requester,
                        await approver_ids(self.db, project, rule.approvers, requester))
        await record(self.db, actor, "approval.request", target=ledger_target(project, row),
                     payload=ledger_payload(project, row), org_id=project.organization_id)
        return row

    async def decide(self, actor: Principal, key: str, approval_id: str, decision: Decision, comment: str = "", *,
                     org: str | None = None) -> ApprovalDetail:
        """Approve or deny a request. Enough approvals approve it (and apply a proposed policy); a denial denies it.

        Raises:
            NotFound: no such request. PermissionDenied: the actor is the requester or their role is not one the
                policy names ("this request needs approval by TechLead; your role in WEB is Contributor").
            Conflict: the request is decided or withdrawn already, the actor approved it already, or (for a policy
                change) the policy changed since the request was made.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.DECIDE_APPROVAL)
        comment = check_comment(comment)
        row = await self.row(project, approval_id, lock=True)
        policy = await current_policy(self.db, project.id)
        rule = policy.approval_for(row.transition)
        reason = self.refusal(actor, project, row, rule, decision)
        if reason is not None and (row.status != "pending" or rule is None):
            raise Conflict(reason)
        if reason is not None or rule is None:
            raise PermissionDenied(reason or "")
        if decision == "deny":
            self._thread(row, actor, "deny", comment)
            await self._close(project, row, actor, "denied", comment)
        else:
            await self._approve(project, row, actor, rule, comment)
        await self.db.commit()
        await self.events.publish()
        return await detail_of(self.db, row, await current_policy(self.db, project.id))

    async def _approve(self, project: ProjectAccess, row: Approval, actor: Principal, rule: ApprovalRule,
                       comment: str) -> None:
        voters = set(await self.db.scalars(select(ApprovalComment.author_id).where(
            ApprovalComment.approval_id == row.id, ApprovalComment.kind == "approve")))
        if not actor.is_system and actor.user_id in voters:
            raise Conflict(_("you approved this request already; it needs approvals from %(num)d more people")
                           % {"num": rule.min_approvals - len(voters)})
        proposed = await proposed_policy(self.db, project, row) if row.transition == "policy_change" else None
        self._thread(row, actor, "approve", comment)
        if actor.is_system or len(voters) + 1 >= rule.min_approvals:
            await self._close(project, row, actor, "approved", comment)
            if proposed is not None:
                await apply_policy(self.db, actor, project, *proposed, author_id=row.requested_by_id,
                                   approval_id=row.id)
        else:
            await record(self.db, actor, "approval.approve", target=ledger_target(project, row),
                         payload={**ledger_payload(project, row), "final": False},
                         org_id=project.organization_id)

    async def withdraw(self, actor: Principal, key: str, approval_id: str, comment: str = "", *,
                       org: str | None = None) -> ApprovalDetail:
        """Withdraw a pending request: its requester may, and so may a PM.

        Raises:
            NotFound: no such request. PermissionDenied: someone else's request. Conflict: it is not pending.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.REQUEST_APPROVAL)
        comment = check_comment(comment)
        row = await self.row(project, approval_id, lock=True)
        if row.status != "pending":
            raise Conflict(closed(row.status))
        own = actor.is_system or row.requested_by_id == actor.user_id
        if not own and not allowed(actor, check_project_role(project.role), Action.MANAGE_PROJECT):
            raise PermissionDenied(_("only the person who asked (or a PM) may withdraw a request"))
        self._thread(row, actor, "withdraw", comment)
        await self._close(project, row, actor, "withdrawn", comment)
        await self.db.commit()
        return await detail_of(self.db, row, await current_policy(self.db, project.id))

    async def comment(self, actor: Principal, key: str, approval_id: str, text: str, *,
                      org: str | None = None) -> ApprovalDetail:
        """Add a comment to a request's thread (pending or decided).

        Raises:
            NotFound: no such request. ValidationFailed: an empty or too long comment.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.REQUEST_APPROVAL)
        text = check_comment(text, "text", required=True)
        row = await self.row(project, approval_id)
        self._thread(row, actor, "comment", text)
        await self.db.commit()
        return await detail_of(self.db, row, await current_policy(self.db, project.id))

    # -- helpers ----------------------------------------------------------------------------------------------

    def _thread(self, row: Approval, actor: Principal, kind: CommentKind, text: str) -> None:
        self.db.add(ApprovalComment(approval_id=row.id, author_id=None if actor.is_system else actor.user_id,
                                    kind=kind, text=text))

    async def _close(self, project: ProjectAccess, row: Approval, actor: Principal, status: str, comment: str) -> None:
        decider = None if actor.is_system else actor.user_id
        done = await self.db.execute(
            update(Approval).where(Approval.id == row.id, Approval.status == "pending")
            .values(status=status, decided_by_id=decider, decided_at=clock.now(), updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 1) != 1:
            await self.db.rollback()
            raise Conflict(_("someone decided this request at the same moment; reload to see the outcome"))
        await self.db.refresh(row)
        if status in ("approved", "denied"):
            requester = (await emails_of(self.db, [row.requested_by_id])).get(row.requested_by_id) \
                if row.requested_by_id else None
            await self.notifier.decided(project, row, decider=actor_label(actor), comment=comment, recipient=requester)
            self.events.add("approval.decided", project, row, decider)
        action = {"approved": "approval.approve", "denied": "approval.deny"}.get(status, "approval.withdraw")
        await record(self.db, actor, action, target=ledger_target(project, row),
                     payload={**ledger_payload(project, row), "final": True}, org_id=project.organization_id)
