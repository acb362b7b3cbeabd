"""The SQL of the timeline: a project's ledger entries (its organization's, under its target prefix), filtered.

Keys and slugs may hold ``_`` (and, were the rules ever relaxed, ``%``): every LIKE pattern is built with
``autoescape``. The ``sync`` kind is told from ``revision`` by the payload's ``"via":"sync"``: payloads are stored
as canonical JSON (keys sorted, no whitespace), and JSON escapes the quotes of any string value, so the text
matches that key and value only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select

from app.db.models import AuditEntry
from app.domain.projects.schemas import ProjectAccess
from app.domain.timeline.schemas import KINDS, EventKind, TimelineFilters

__all__ = ["project_prefix", "timeline_query"]

# Collections whose entity ids the entity filter looks in (a comment's target starts with its item's).
_COLLECTIONS: Final = ("microsteps", "steps", "milestones", "revisions", "approvals", "conflicts")


def project_prefix(project: ProjectAccess) -> str:
    """What every target of the project's events starts with: ``<org slug>/<KEY>/``."""
    return f"{project.organization_slug}/{project.key}/"


def _kind(kind: EventKind) -> ColumnElement[bool]:
    action = AuditEntry.action
    synced = AuditEntry.payload.contains('"via":"sync"', autoescape=True)
    conditions: dict[EventKind, ColumnElement[bool]] = {
        "status": action == "plan.status_change",
        "revision": and_(action == "plan.revision", not_(synced)),
        "sync": and_(action == "plan.revision", synced),
        "comment": action.startswith("comment.", autoescape=True),
        "approval": action.startswith("approval.", autoescape=True),
        "policy": action == "policy.change",
        "conflict": action.startswith("conflict.", autoescape=True),
    }
    return conditions[kind]


def _actor(value: str) -> ColumnElement[bool]:
    # A label exactly, or a person's email: their own entries, those of their API keys ("email [key <id>]"), and
    # those made by a GlobalAdmin acting as them, or made by them acting as someone ("admin as user").
    email = value.lower()
    return or_(AuditEntry.actor == value, AuditEntry.actor == email,
               AuditEntry.actor.startswith(f"{email} [key ", autoescape=True),
               AuditEntry.actor.startswith(f"{email} as ", autoescape=True),
               AuditEntry.actor.endswith(f" as {email}", autoescape=True))


def _entity(prefix: str, value: str) -> ColumnElement[bool]:
    return or_(*(AuditEntry.target.startswith(f"{prefix}{collection}/{value}", autoescape=True)
                 for collection in _COLLECTIONS))


def timeline_query(project: ProjectAccess, filters: TimelineFilters) -> Select[AuditEntry]:
    """The project's events matching ``filters``, newest first, one more than a page (to tell if more follow)."""
    prefix = project_prefix(project)
    query = select(AuditEntry).where(
        AuditEntry.organization_id == project.organization_id,
        AuditEntry.target.startswith(prefix, autoescape=True),
        or_(*(_kind(kind) for kind in filters.kinds or KINDS)),
    )
    if filters.actor:
        query = query.where(_actor(filters.actor))
    if filters.entity:
        query = query.where(_entity(prefix, filters.entity))
    if filters.since is not None:
        query = query.where(AuditEntry.created_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until is not None and filters.until < date.max:  # the last day has no next day to stop before
        query = query.where(AuditEntry.created_at < datetime.combine(filters.until, time(), UTC) + timedelta(days=1))
    if filters.before is not None:
        query = query.where(AuditEntry.seq < filters.before)
    return query.order_by(AuditEntry.seq.desc()).limit(filters.limit + 1)
