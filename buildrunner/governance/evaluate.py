"""Evaluate a policy for one action and explain a refusal in words (used by the server and the CLI)."""

from __future__ import annotations

from collections.abc import Iterable

from buildrunner.governance._base import ROLES
from buildrunner.governance._findings import one_of
from buildrunner.governance.model import Policy

__all__ = ["approvers_for", "check_status_change", "describe_approvers"]


def check_status_change(policy: Policy, roles: Iterable[str], status: str, criteria_met: bool) -> str | None:
    """Why the policy refuses moving a microstep to ``status``, or None when it allows it.

    Args:
        policy: the project's policy.
        roles: the caller's project roles (usually one).
        status: the status the microstep would move to.
        criteria_met: whether every acceptance criterion of the microstep is met.

    Returns:
        A sentence such as "only QA or TechLead may move a microstep to done", or None.
    """
    gate = policy.gate_for(status)
    if gate is None:
        return None
    if gate.roles and not set(roles) & set(gate.roles):
        return f"only {one_of(_ordered(gate.roles))} may move a microstep to {status}"
    if gate.require_all_criteria_met and not criteria_met:
        return f"{status} needs every acceptance criterion met"
    return None


def approvers_for(policy: Policy, transition: str) -> list[str]:
    """The roles that may approve ``transition`` (e.g. ``milestone_completion``); empty when it needs none."""
    rule = policy.approval_for(transition)
    return _ordered(rule.approvers) if rule is not None else []


def describe_approvers(policy: Policy, transition: str) -> str | None:
    """``"needs approval by TechLead"`` (or ``"needs 2 approvals by PM or TechLead"``); None when none is needed."""
    rule = policy.approval_for(transition)
    if rule is None:
        return None
    who = one_of(_ordered(rule.approvers))
    if rule.min_approvals > 1:
        return f"needs {rule.min_approvals} approvals by {who}"
    return f"needs approval by {who}"


def _ordered(roles: Iterable[str]) -> list[str]:
    # The roles' natural order (PM, TechLead, QA, ...) reads better than the file's, and is stable.
    wanted = set(roles)
    return [role for role in ROLES if role in wanted]
