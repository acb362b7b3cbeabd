"""The policy's word on plan writes: status gates on every microstep whose status changes, and the approvals that
completing a milestone or a step needs.

``PlanService`` calls these before a revision is written; they read the policy (one query) and, only when something
becomes complete under a policy that asks for approvals, the approved requests (one more). A whole plan is compared
with the previous revision by id in one pass over each, on a slim decoding that reads only ids, statuses and
criteria, so a 10,000-microstep upload costs a few milliseconds here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval
from app.domain.accounts.schemas import Principal
from app.domain.governance.services._store import current_policy
from app.domain.governance.services._words import (
    criteria_refusal,
    gate_refusal,
    id_list,
    needs_approval,
    ordered_roles,
)
from app.domain.projects.schemas import ProjectAccess
from app.lib.errors import ApprovalRequired, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from buildrunner.governance import Policy, check_status_change
from buildrunner.spec.model import Plan

__all__ = ["PlanInput", "enforce_plan_revision", "enforce_status_change"]

#: A plan: the typed :class:`~buildrunner.spec.model.Plan`, its decoded JSON object, or ``plan.json`` text or bytes
#: (decoded here, reading only what the gates need: ids, statuses and criteria).
PlanInput = Plan | Mapping[str, Any] | bytes | str
_MAX_LISTED_ERRORS = 100


class _Criterion(msgspec.Struct):
    met: bool = False


class _Microstep(msgspec.Struct):
    id: str
    status: str = "todo"
    acceptance_criteria: list[_Criterion] = msgspec.field(default_factory=list)


class _Step(msgspec.Struct):
    id: str
    microsteps: list[_Microstep] = msgspec.field(default_factory=list)


class _Milestone(msgspec.Struct):
    id: str
    steps: list[_Step] = msgspec.field(default_factory=list)


class _Outline(msgspec.Struct):
    milestones: list[_Milestone] = msgspec.field(default_factory=list)


class _Scan(NamedTuple):
    microsteps: dict[str, tuple[str, list[Any]]]  # id: (status, criteria)
    complete_milestones: list[str]
    complete_steps: list[str]


def _outline(plan: PlanInput) -> _Outline:
    try:
        if isinstance(plan, str | bytes | bytearray | memoryview):
            return msgspec.json.decode(plan, type=_Outline)
        return msgspec.convert(plan, _Outline, from_attributes=True)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValidationFailed("plan", _("the plan is not a valid Build Spec (%(error)s); run `br lint` for details")
                               % {"error": exc}) from None


# (milestone id, [(step id, [(microstep id, status, criteria)])]): what the gates read of a plan.
_Tree = list[tuple[str, list[tuple[str, list[tuple[str, str, list[Any]]]]]]]


def _tree(plan: PlanInput) -> _Tree:
    """The ids, statuses and criteria of ``plan``. Typed plans and JSON trees are walked directly: converting a
    10,000-microstep plan to the slim structs took ~100 ms each, the walk a few; text is decoded slimly."""
    if isinstance(plan, Plan):
        return [(m.id, [(s.id, [(x.id, x.status, x.acceptance_criteria) for x in s.microsteps]) for s in m.steps])
                for m in plan.milestones]
    if isinstance(plan, Mapping):
        try:  # a stored revision is a valid plan; anything else gets the strict decoding's error
            return [(m["id"], [(s["id"], [(x["id"], x.get("status", "todo"), x.get("acceptance_criteria") or [])
                                          for x in s.get("microsteps", ())]) for s in m.get("steps", ())])
                    for m in plan.get("milestones", ())]
        except (KeyError, TypeError, AttributeError):
            pass
    return [(m.id, [(s.id, [(x.id, x.status, x.acceptance_criteria) for x in s.microsteps]) for s in m.steps])
            for m in _outline(plan).milestones]


def _scan(plan: PlanInput) -> _Scan:
    """Every microstep by id, and the milestones and steps whose microsteps are all done (at least one)."""
    microsteps: dict[str, tuple[str, list[Any]]] = {}
    milestones: list[str] = []
    steps: list[str] = []
    for milestone_id, milestone_steps in _tree(plan):
        milestone_total = milestone_done = 0
        for step_id, step_microsteps in milestone_steps:
            done = 0
            for micro_id, status, criteria in step_microsteps:
                microsteps[micro_id] = (status, criteria)
                done += status == "done"
            if step_microsteps and done == len(step_microsteps):
                steps.append(step_id)
            milestone_total += len(step_microsteps)
            milestone_done += done
        if milestone_total and milestone_done == milestone_total:
            milestones.append(milestone_id)
    return _Scan(microsteps, milestones, steps)


def _all_met(criteria: list[Any]) -> bool:
    return all(bool(c.get("met")) if isinstance(c, Mapping) else bool(getattr(c, "met", False)) for c in criteria)


def _refuse_gates(policy: Policy, role: str, changes: list[tuple[str, str, bool]]) -> None:
    """Refuse when any (microstep id, new status, criteria met) breaks a status gate: roles first (403), then
    criteria (422), each naming the microsteps concerned."""
    by_role: dict[str, list[str]] = {}
    by_criteria: dict[str, list[str]] = {}
    gate_roles: dict[str, list[str]] = {}
    role_ok: dict[str, bool] = {}
    for micro_id, status, met in changes:
        gate = policy.gate_for(status)
        if gate is None:
            continue
        if status not in role_ok:  # the core decides; asked once per status with the criteria taken as met
            role_ok[status] = check_status_change(policy, [role], status, True) is None
            gate_roles[status] = list(gate.roles)
        if not role_ok[status]:
            by_role.setdefault(status, []).append(micro_id)
        elif check_status_change(policy, [role], status, met) is not None:
            by_criteria.setdefault(status, []).append(micro_id)
    if by_role:
        raise PermissionDenied("; ".join(
            _("%(reason)s (%(ids)s)") % {"reason": gate_refusal(gate_roles[s], s), "ids": id_list(ids)}
            for s, ids in by_role.items()))
    if by_criteria:
        errors = [{"microstep": micro_id, "status": s, "message": criteria_refusal(s)}
                  for s, ids in by_criteria.items() for micro_id in ids][:_MAX_LISTED_ERRORS]
        raise ValidationFailed("status", "; ".join(
            _("%(reason)s (%(ids)s)") % {"reason": criteria_refusal(s), "ids": id_list(ids)}
            for s, ids in by_criteria.items()), errors=errors)


async def enforce_status_change(db: AsyncSession, actor: Principal, project: ProjectAccess,
                                microstep_node: Mapping[str, Any], new_status: str) -> None:
    """Refuse moving one microstep to ``new_status`` when the project's policy forbids it.

    Args:
        db: the request's session. actor: who changes it (operators pass every gate).
        project: the project, as found for the caller (its ``role`` is the caller's).
        microstep_node: the microstep's JSON object as saved now, before the change (its status and criteria count).
        new_status: the status it would move to; the same status as now is no change and passes.

    Raises:
        PermissionDenied: the caller's role may not move a microstep to that status
            ("only TechLead or QA may move a microstep to done").
        ValidationFailed: the gate needs every criterion met and one is not ("done needs every acceptance
            criterion met").
    """
    if actor.is_system or microstep_node.get("status", "todo") == new_status:
        return
    policy = await current_policy(db, project.id)
    if policy.gate_for(new_status) is None:
        return
    criteria = microstep_node.get("acceptance_criteria") or []
    met = _all_met(criteria) if isinstance(criteria, list) else False
    _refuse_gates(policy, project.role, [(str(microstep_node.get("id", "")), new_status, met)])


async def enforce_plan_revision(db: AsyncSession, actor: Principal, project: ProjectAccess,
                                old_plan: PlanInput | None, new_plan: PlanInput) -> None:
    """Refuse a whole-plan write (upload, sync push, merge, edit) that the project's policy forbids.

    Every microstep whose status differs from ``old_plan`` (a new microstep counts as moved from ``todo``) passes
    the status gates of :func:`enforce_status_change`; a milestone (or step) that becomes complete, all its
    microsteps done, needs an approved ``milestone_completion`` (``step_completion``) request when the policy lists
    that transition. The first revision of a plan (``old_plan`` None) is the project's starting point: it is
    imported as it is, unchecked.

    Raises:
        PermissionDenied: a status gate refuses the caller's role (the microsteps are named).
        ValidationFailed: a gate needs every criterion met (``errors`` lists the microsteps).
        ApprovalRequired: a milestone or step becomes complete without an approved request ("completing milestone
            m-1 needs approval by TechLead (request it on the approvals page)"); 403.
    """
    if actor.is_system or old_plan is None:
        return
    policy = await current_policy(db, project.id)
    milestone_rule = policy.approval_for("milestone_completion")
    step_rule = policy.approval_for("step_completion")
    if not policy.status_gates and milestone_rule is None and step_rule is None:
        return
    old, new = _scan(old_plan), _scan(new_plan)
    if policy.status_gates:
        changes = [
            (micro_id, status, _all_met(criteria))
            for micro_id, (status, criteria) in new.microsteps.items()
            if status != (old.microsteps[micro_id][0] if micro_id in old.microsteps else "todo")
        ]
        _refuse_gates(policy, project.role, changes)
    for transition, rule, now, before in (
        ("milestone_completion", milestone_rule, new.complete_milestones, old.complete_milestones),
        ("step_completion", step_rule, new.complete_steps, old.complete_steps),
    ):
        if rule is None:
            continue
        already = set(before)
        completed = [item for item in now if item not in already]
        if completed:
            approved = set(await db.scalars(select(Approval.target).where(
                Approval.project_id == project.id, Approval.transition == transition, Approval.status == "approved")))
            missing = [item for item in completed if item not in approved]
            if missing:
                raise _approval_required(transition, missing, needs_approval(rule), ordered_roles(rule.approvers))


def _approval_required(transition: str, missing: list[str], needs: str, approvers: list[str]) -> ApprovalRequired:
    if transition == "milestone_completion":
        text = _("completing milestone %(ids)s %(needs)s (request it on the approvals page)")
    else:
        text = _("completing step %(ids)s %(needs)s (request it on the approvals page)")
    return ApprovalRequired(text % {"ids": id_list(missing), "needs": needs}, transition=transition,
                            target=missing[0], approvers=list(approvers))
