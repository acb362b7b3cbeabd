"""Who is who in a project, for approvals: email addresses by id, and the people holding given roles."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, ProjectMember, User
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import effective_role

__all__ = ["emails_of", "people_with_roles"]


async def emails_of(db: AsyncSession, ids: Iterable[UUID | None]) -> dict[UUID, str]:
    """The email address of each user id given (accounts that are gone are left out)."""
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.email).where(User.id.in_(wanted)))
    return {user_id: email for user_id, email in rows}


async def people_with_roles(db: AsyncSession, project: ProjectAccess, roles: Iterable[str], *,
                            exclude: UUID | None = None) -> list[str]:
    """The emails of the project's people whose role (explicit, or their organization role's default) is one of
    ``roles``, sorted; ``exclude`` leaves one person out (the requester)."""
    wanted = set(roles)
    rows = await db.execute(
        select(User.id, User.email, Membership.role, ProjectMember.role)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(ProjectMember, (ProjectMember.user_id == User.id) & (ProjectMember.project_id == project.id))
        .where(Membership.organization_id == project.organization_id)
    )
    return sorted(email for user_id, email, org_role, project_role in rows
                  if user_id != exclude and effective_role(org_role, project_role) in wanted)
