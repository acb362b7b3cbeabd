"""Project and plan values passed between layers (and encoded by the JSON API)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from buildrunner.spec.tree import Counts

__all__ = ["PlanSnapshot", "ProjectAccess", "ProjectCreate", "ProjectSummary", "RevisionInfo"]


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
