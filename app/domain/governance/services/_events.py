"""The ``approval.*`` domain events (see :mod:`app.lib.events`): ``approval.requested`` when a request opens,
``approval.decided`` when it is approved or denied. Collected while the transaction runs and published only after it
commits, so a listener never hears of a request that was rolled back."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval, User
from app.domain.governance.services._people import people_with_roles
from app.domain.projects.schemas import ProjectAccess
from app.lib import events

__all__ = ["ApprovalEvent", "PendingEvents", "approver_ids"]


class ApprovalEvent(events.DomainEvent, frozen=True, kw_only=True):
    """An approval request opened or was decided. ``approver_ids`` are who may decide it (requested only; never the
    requester), ``actor_id`` who acted, ``status`` the request's status after the change."""

    approval_id: UUID
    project_id: UUID
    project_key: str
    organization_id: UUID
    transition: str
    target: str
    status: str
    requester_id: UUID | None
    actor_id: UUID | None
    approver_ids: tuple[UUID, ...] = ()


async def approver_ids(db: AsyncSession, project: ProjectAccess, roles: Iterable[str],
                       exclude: UUID | None) -> tuple[UUID, ...]:
    """The ids of the people who may decide (the same people the approval mail goes to)."""
    emails = await people_with_roles(db, project, roles, exclude=exclude)
    if not emails:
        return ()
    return tuple(await db.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.email)))


class PendingEvents:
    """Events waiting for their transaction's commit."""

    def __init__(self) -> None:
        """Start empty."""
        self._events: list[ApprovalEvent] = []

    def add(self, name: str, project: ProjectAccess, row: Approval, actor_id: UUID | None,
            approvers: tuple[UUID, ...] = ()) -> None:
        """Remember an event about ``row`` as it is now."""
        self._events.append(ApprovalEvent(
            name=name, approval_id=row.id, project_id=project.id, project_key=project.key,
            organization_id=project.organization_id, transition=row.transition, target=row.target,
            status=row.status, requester_id=row.requested_by_id, actor_id=actor_id, approver_ids=approvers))

    async def publish(self) -> None:
        """Publish the waiting events (call right after the commit); a listener's failure never reaches the caller."""
        waiting, self._events = self._events, []
        for event in waiting:
            await events.publish(event)
