"""Read models for the project pages: a project with what the caller may do in it, and plan tree nodes.

Pages decide which forms to show from these flags; the services still check every write (deny by default).
"""

from __future__ import annotations

import msgspec

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action, ProjectRole, allowed
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import check_project_role
from buildrunner.spec.tree import Counts

__all__ = ["MicrostepRow", "MilestoneNode", "ProjectView", "StepNode", "project_view"]


class ProjectView(msgspec.Struct, frozen=True, kw_only=True):
    """A project the caller can see, and which of its actions the caller may take."""

    project: ProjectAccess
    can_edit_plan: bool = False
    can_change_status: bool = False
    can_check_criteria: bool = False
    can_manage_members: bool = False


def project_view(actor: Principal, project: ProjectAccess) -> ProjectView:
    """What ``actor`` may do in ``project``, from the permission matrix."""
    role: ProjectRole = check_project_role(project.role)

    def can(action: Action) -> bool:
        return allowed(actor, role, action)

    return ProjectView(
        project=project, can_edit_plan=can(Action.EDIT_PLAN), can_change_status=can(Action.CHANGE_STATUS),
        can_check_criteria=can(Action.CHECK_CRITERIA), can_manage_members=can(Action.MANAGE_MEMBERS),
    )


class MicrostepRow(msgspec.Struct, kw_only=True):
    """A microstep as a line of the plan tree."""

    id: str
    title: str
    status: str
    owner: str
    tags: list[str]
    criteria_met: int
    criteria_total: int


class StepNode(msgspec.Struct, kw_only=True):
    """A step with its progress (over all its microsteps) and the microsteps shown on this page."""

    id: str
    title: str
    counts: Counts = msgspec.field(default_factory=Counts)
    microsteps: list[MicrostepRow] = msgspec.field(default_factory=list)


class MilestoneNode(msgspec.Struct, kw_only=True):
    """A milestone with its progress and the steps shown on this page."""

    id: str
    title: str
    counts: Counts = msgspec.field(default_factory=Counts)
    steps: list[StepNode] = msgspec.field(default_factory=list)
