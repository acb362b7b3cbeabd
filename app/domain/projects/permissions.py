"""The permission matrix: project roles by actions, and the API-key scope each action needs.

Deny by default: a role has only the actions listed for it. ``docs/permissions.md`` is generated from
:func:`matrix_markdown`, so the documentation and the enforcement cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

from app.domain.accounts.schemas import Principal, Scope

__all__ = [
    "ACTION_SCOPE",
    "MATRIX",
    "PROJECT_ROLES",
    "Action",
    "ProjectRole",
    "allowed",
    "matrix_markdown",
]

ProjectRole = Literal["PM", "TechLead", "QA", "Contributor", "Viewer"]
PROJECT_ROLES: Final[tuple[ProjectRole, ...]] = ("PM", "TechLead", "QA", "Contributor", "Viewer")


class Action(StrEnum):
    """Things a person can do to a project."""

    VIEW_PLAN = "view plan"
    EDIT_PLAN = "edit plan"
    CHANGE_STATUS = "change status"
    CHECK_CRITERIA = "check criteria"
    MANAGE_MEMBERS = "manage members"
    MANAGE_PROJECT = "manage project"
    MANAGE_API_KEYS = "manage api keys"
    CHANGE_POLICY = "change policy"
    REQUEST_APPROVAL = "request approval"
    DECIDE_APPROVAL = "decide approval"
    COMMENT = "comment"
    MODERATE_COMMENTS = "moderate comments"


# Requesting and deciding approvals is work too; who may decide a given request is the project policy's call
# (``approvals.<transition>``), checked by the governance services on top of this matrix.
_WORK: Final = frozenset({Action.VIEW_PLAN, Action.CHANGE_STATUS, Action.CHECK_CRITERIA, Action.REQUEST_APPROVAL,
                          Action.DECIDE_APPROVAL, Action.COMMENT})

MATRIX: Final[dict[ProjectRole, frozenset[Action]]] = {
    "PM": frozenset(Action),
    "TechLead": _WORK | {Action.EDIT_PLAN, Action.MANAGE_API_KEYS, Action.CHANGE_POLICY,
                       Action.MODERATE_COMMENTS},
    # QA and Contributor have the same rights here; the project policy tells them apart (status gates, approvers).
    "QA": _WORK,
    "Contributor": _WORK,
    "Viewer": frozenset({Action.VIEW_PLAN}),
}

ACTION_SCOPE: Final[dict[Action, Scope]] = {
    Action.VIEW_PLAN: "plan:read",
    Action.EDIT_PLAN: "plan:write",
    Action.CHANGE_STATUS: "plan:write",
    Action.CHECK_CRITERIA: "plan:write",
    Action.MANAGE_MEMBERS: "admin",
    Action.MANAGE_PROJECT: "admin",
    Action.MANAGE_API_KEYS: "admin",
    Action.CHANGE_POLICY: "admin",
    Action.REQUEST_APPROVAL: "plan:write",
    Action.DECIDE_APPROVAL: "plan:write",
    Action.COMMENT: "comments:write",
    Action.MODERATE_COMMENTS: "comments:write",
}


def allowed(principal: Principal, role: ProjectRole | None, action: Action) -> bool:
    """Whether ``principal`` holding ``role`` in a project may do ``action``.

    Both must agree: the role must grant the action and, for an API key, its scopes must cover it.
    """
    if principal.is_system:
        return True
    if role is None or action not in MATRIX.get(role, frozenset()):
        return False
    return principal.has_scope(ACTION_SCOPE[action])


def matrix_markdown() -> str:
    """The matrix as a Markdown table, for the docs."""
    header = "| Action | " + " | ".join(PROJECT_ROLES) + " | API-key scope |"
    rule = "|---" * (len(PROJECT_ROLES) + 2) + "|"
    rows = [
        f"| {action.value} | " + " | ".join("✓" if action in MATRIX[role] else "—" for role in PROJECT_ROLES)
        + f" | `{ACTION_SCOPE[action]}` |"
        for action in Action
    ]
    return "\n".join([header, rule, *rows]) + "\n"
