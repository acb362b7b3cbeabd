"""Who can be mentioned in a project: everyone who can see it, with the role that counts there."""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, ProjectMember, User
from app.domain.projects.permissions import ProjectRole
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import effective_role

__all__ = ["Person", "people_of", "users_by_id"]


class Person(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who can see a project, with their effective role in it."""

    user_id: UUID
    email: str
    name: str
    role: ProjectRole

    @property
    def handle(self) -> str:
        """The local part of the email: ``@alice`` mentions alice@example.com."""
        return self.email.partition("@")[0]


async def people_of(db: AsyncSession, project: ProjectAccess) -> list[Person]:
    """Everyone with a role in the project (explicit, or their organization role's default), by email."""
    rows = await db.execute(
        select(User.id, User.email, User.name, Membership.role, ProjectMember.role)
        .outerjoin(Membership, (Membership.user_id == User.id)
                   & (Membership.organization_id == project.organization_id))
        .outerjoin(ProjectMember, (ProjectMember.user_id == User.id) & (ProjectMember.project_id == project.id))
        .where(or_(Membership.id.is_not(None), ProjectMember.id.is_not(None)))
        .order_by(User.email)
    )
    people = []
    for user_id, email, name, org_role, project_role in rows:
        role = effective_role(org_role, project_role)
        if role is not None:
            people.append(Person(user_id=user_id, email=email, name=name, role=role))
    return people


async def users_by_id(db: AsyncSession, ids: set[UUID | None]) -> dict[UUID, tuple[str, str]]:
    """(email, name) of the given users."""
    wanted = [user_id for user_id in ids if user_id is not None]
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.email, User.name).where(User.id.in_(wanted)))
    return {user_id: (email, name) for user_id, email, name in rows}
