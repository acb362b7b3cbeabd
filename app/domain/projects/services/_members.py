"""The members page: a project's members with their roles, and whether the caller may change them."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.services._access import find_project
from app.domain.projects.services._projects import ProjectService
from app.domain.projects.services._views import ProjectView, project_view
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["Member", "MemberRoster", "MemberService"]


class Member(msgspec.Struct, frozen=True, kw_only=True):
    """A person with an explicit role in a project."""

    email: str
    name: str
    role: str


class MemberRoster(msgspec.Struct, frozen=True, kw_only=True):
    """A project's explicit members, by email."""

    view: ProjectView
    members: list[Member]


class MemberService:
    """Who works on a project; changes go through ``ProjectService.set_member`` (PM only)."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.projects = ProjectService(db)

    async def roster(self, actor: Principal, key: str, *, org: str | None = None) -> MemberRoster:
        """The members of the project and what the actor may do.

        Raises:
            NotFound: not a project of the actor's organizations.
        """
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        members = await self.projects.members(actor, key, org=org)
        return MemberRoster(view=project_view(actor, project),
                            members=[Member(email=email, name=name, role=role) for email, name, role in members])

    async def set_role(self, actor: Principal, key: str, email: str, role: str, *, org: str | None = None) -> None:
        """Give a member of the organization a role in the project (see ``ProjectService.set_member``).

        Raises:
            NotFound: not a project of the actor's. PermissionDenied: the actor may not manage members.
            ValidationFailed: an unknown role, or ``email`` is not a member of the project's organization.
        """
        reject_nul("key", key, org)
        await find_project(self.db, actor, key, org=org, action=Action.MANAGE_MEMBERS)
        reject_nul("email", email)
        reject_nul("role", role)
        if not email.strip():
            raise ValidationFailed("email", _("enter the email address of a member of the organization"))
        try:
            await self.projects.set_member(actor, key, email, role, org=org)
        except NotFound as exc:
            raise ValidationFailed("email", exc.message) from None
