"""Project and plan values passed between layers (and encoded by the JSON API)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

import msgspec

from app.domain.projects.permissions import ProjectRole
from buildrunner.spec.model import Status
from buildrunner.spec.tree import Counts

__all__ = [
    "MAX_PAGE",
    "CriterionUpdate",
    "CriterionView",
    "MemberInfo",
    "MemberUpdate",
    "MicrostepChange",
    "MicrostepDetail",
    "MicrostepFilter",
    "MicrostepItem",
    "MicrostepPage",
    "PlanSnapshot",
    "ProjectAccess",
    "ProjectCreate",
    "ProjectSummary",
    "RevisionInfo",
    "StatusUpdate",
]

MAX_PAGE: Final = 500
# Offsets beyond a 32-bit integer cannot address a real plan and would overflow some databases' parameters.
MAX_OFFSET: Final = 2**31 - 1


class ProjectAccess(msgspec.Struct, frozen=True, kw_only=True):
    """A project the caller may see, with the role they hold in it."""

    id: UUID
    organization_id: UUID
    organization_slug: str
    key: str
    name: str
    description: str
    current_revision: int
    role: str


class ProjectSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A project as listed on the dashboard: its progress counts microsteps by status."""

    key: str
    name: str
    description: str
    organization: str
    role: str
    current_revision: int
    progress: Counts


class RevisionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One revision of a plan, without its content."""

    number: int
    content_hash: str
    author: str | None
    message: str
    created_at: datetime


class PlanSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """One revision with its full ``plan.json`` content."""

    info: RevisionInfo
    content: bytes


class ProjectCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new project: ``org`` is the organization's slug, ``key`` its short upper-case key."""

    org: str = msgspec.field(name="org")
    key: str
    name: str
    description: str = ""


class MemberInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A person with an explicit role in a project."""

    email: str
    name: str
    role: str


class MemberUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Give ``email`` (a member of the project's organization) the project role ``role``."""

    email: str
    role: ProjectRole


class MicrostepFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which microsteps to list: every given filter must match; ``q`` searches titles, case-insensitively."""

    status: Status | None = None
    owner: str | None = None
    tag: str | None = None
    q: str | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)] = 100
    offset: Annotated[int, msgspec.Meta(ge=0, le=MAX_OFFSET)] = 0


class MicrostepItem(msgspec.Struct, frozen=True, kw_only=True):
    """A microstep as listed: what the materialized plan rows know."""

    id: str
    title: str
    status: str
    owner: str
    tags: list[str]
    step_id: str
    criteria_met: int
    criteria_total: int


class MicrostepPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of matching microsteps, in plan order; ``total`` counts every match."""

    items: list[MicrostepItem]
    total: int
    limit: int
    offset: int
    revision: int


class CriterionView(msgspec.Struct, frozen=True, kw_only=True):
    """An acceptance criterion of a microstep."""

    id: str
    text: str
    met: bool


class MicrostepDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A microstep as the current revision has it, with where it sits in the plan."""

    id: str
    title: str
    status: str
    description: str
    owner: str
    estimate: float | None
    tags: list[str]
    depends_on: list[str]
    acceptance_criteria: list[CriterionView]
    milestone_id: str
    step_id: str
    revision: int


class MicrostepChange(msgspec.Struct, frozen=True, kw_only=True):
    """A microstep after an edit, and the revision that holds it (unchanged when the edit changed nothing)."""

    microstep: MicrostepDetail
    revision: RevisionInfo


class StatusUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The new status of a microstep; ``done`` needs every acceptance criterion met."""

    status: Status


class CriterionUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whether an acceptance criterion is met."""

    met: bool
