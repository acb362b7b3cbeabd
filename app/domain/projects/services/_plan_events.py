"""The ``plan.revision`` domain event, published after a new plan revision commits (see :mod:`app.lib.events`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.domain.accounts.schemas import Principal
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._revision_events import MAX_STATUS_EVENTS, status_changes
from app.lib import events
from buildrunner.spec.model import Plan

__all__ = ["PlanRevisionEvent", "publish_revision"]


class PlanRevisionEvent(events.DomainEvent, frozen=True, kw_only=True):
    """A new revision of a project's plan; ``status_changes`` maps microstep ids to ``(old, new)`` statuses (at most
    :data:`MAX_STATUS_EVENTS`, ``truncated`` when there were more)."""

    project_id: UUID
    project_key: str
    organization_id: UUID
    revision: int
    actor_id: UUID | None
    status_changes: dict[str, tuple[str, str]]
    truncated: bool = False


async def publish_revision(actor: Principal, project: ProjectAccess, number: int, old: Any, new: Plan) -> None:
    """Publish ``plan.revision`` for revision ``number`` (``old``: the previous revision's JSON tree, or None)."""
    changes = status_changes(old, new) if old is not None else {}
    listed = dict(list(changes.items())[:MAX_STATUS_EVENTS])
    await events.publish(PlanRevisionEvent(
        name="plan.revision", project_id=project.id, project_key=project.key,
        organization_id=project.organization_id, revision=number,
        actor_id=None if actor.is_system else actor.user_id, status_changes=listed,
        truncated=len(listed) < len(changes)))
