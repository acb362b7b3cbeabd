"""Projects: create, list with progress, look up, members and their roles."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Organization, PlanItem, Project, ProjectMember, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import normalize_email
from app.domain.orgs.services import OrgService
from app.domain.projects.permissions import Action, ProjectRole
from app.domain.projects.schemas import MemberInfo, ProjectAccess, ProjectSummary
from app.domain.projects.services._access import check_key, check_project_role, effective_role, find_project
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.lib.text import reject_nul
from buildrunner.spec.model import STATUSES
from buildrunner.spec.tree import Counts

__all__ = ["ProjectService"]


class ProjectService:
    """Projects of the caller's organizations."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.orgs = OrgService(db)

    async def create(self, actor: Principal, org: str, key: str, name: str, description: str = "") -> ProjectAccess:
        """Create a project in one of the actor's organizations; the creator becomes its PM.

        Raises:
            NotFound: no such organization among the actor's. PermissionDenied: an API key without ``admin``.
            ValidationFailed: bad key or name. Conflict: the key is taken in that organization.
        """
        organization = await self.orgs.get(actor, org)
        if not actor.has_scope("admin"):
            raise PermissionDenied("creating a project needs an API key with the admin scope")
        reject_nul("name", name)
        reject_nul("description", description)
        key = check_key(key)
        name, description = name.strip(), description.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("name", "give the project a name of 1 to 200 characters")
        if len(description) > 5000:
            raise ValidationFailed("description", "keep the description under 5000 characters")
        taken = await self.db.scalar(
            select(Project.id).where(Project.organization_id == organization.id, Project.key == key)
        )
        if taken is not None:
            raise Conflict(f"{organization.slug} already has a project {key}; choose another key")
        project = Project(organization_id=organization.id, key=key, name=name, description=description)
        self.db.add(project)
        await self.db.flush()
        if not actor.is_system:
            self.db.add(ProjectMember(project_id=project.id, user_id=actor.user_id, role="PM"))
        await self.db.commit()
        return await self.get(actor, key, org=organization.slug)

    async def get(self, actor: Principal, key: str, *, org: str | None = None,
                  action: Action = Action.VIEW_PLAN) -> ProjectAccess:
        """The project ``key`` among the actor's organizations (see ``find_project``)."""
        return await find_project(self.db, actor, key, org=org, action=action)

    async def summary(self, actor: Principal, key: str, *, org: str | None = None) -> ProjectSummary:
        """One project with its microstep counts by status (see ``find_project`` for the errors)."""
        project = await self.get(actor, key, org=org)
        counts = await self._counts([project.id])
        return ProjectSummary(
            key=project.key, name=project.name, description=project.description,
            organization=project.organization_slug, role=project.role, current_revision=project.current_revision,
            progress=counts.get(project.id, Counts()),
        )

    async def list_for_org(self, actor: Principal, org: str) -> list[ProjectSummary]:
        """The organization's projects the actor can see, by key, with microstep counts by status."""
        organization = await self.orgs.get(actor, org)
        org_role = "owner" if actor.is_system else await self.orgs.role_of(actor.user_id, organization.id)
        rows = await self.db.execute(
            select(Project, ProjectMember.role)
            .outerjoin(ProjectMember, (ProjectMember.project_id == Project.id)
                       & (ProjectMember.user_id == actor.user_id))
            .where(Project.organization_id == organization.id)
            .order_by(Project.key)
        )
        visible = [(project, role) for project, member_role in rows
                   if (role := effective_role(org_role, member_role)) is not None]
        counts = await self._counts([project.id for project, _ in visible])
        return [
            ProjectSummary(
                key=project.key, name=project.name, description=project.description, organization=organization.slug,
                role=role, current_revision=project.current_revision, progress=counts.get(project.id, Counts()),
            )
            for project, role in visible
        ]

    async def list_visible(self, actor: Principal, org: str | None = None) -> list[ProjectSummary]:
        """Projects of one organization (``org``) or of all the actor's organizations, by organization and key."""
        if org is not None:
            return await self.list_for_org(actor, org)
        summaries: list[ProjectSummary] = []
        for organization, _ in await self.orgs.list_for(actor):
            summaries.extend(await self.list_for_org(actor, organization.slug))
        return summaries

    async def _counts(self, project_ids: list[object]) -> dict[object, Counts]:
        if not project_ids:
            return {}
        rows = await self.db.execute(
            select(PlanItem.project_id, PlanItem.status, func.count())
            .where(PlanItem.project_id.in_(project_ids), PlanItem.kind == "microstep")
            .group_by(PlanItem.project_id, PlanItem.status)
        )
        result: dict[object, Counts] = {}
        for project_id, status, count in rows:
            counts = result.setdefault(project_id, Counts())
            if status in STATUSES:
                setattr(counts, status, count)
                counts.total += count
        return result

    async def set_member(self, actor: Principal, key: str, email: str, role: str, *,
                         org: str | None = None) -> ProjectMember:
        """Give a member of the project's organization a role in the project (or change it).

        Raises:
            PermissionDenied: the actor may not manage members. NotFound: the person is not in the organization.
            ValidationFailed: unknown role.
        """
        project = await self.get(actor, key, org=org, action=Action.MANAGE_MEMBERS)
        checked: ProjectRole = check_project_role(role)
        user = await self.db.scalar(select(User).where(User.email == normalize_email(email)))
        if user is None or await self.orgs.role_of(user.id, project.organization_id) is None:
            raise NotFound(f"{email} is not a member of {project.organization_slug}; add them to it first")
        member = await self.db.scalar(
            select(ProjectMember).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user.id)
        )
        if member is None:
            member = ProjectMember(project_id=project.id, user_id=user.id, role=checked)
            self.db.add(member)
        else:
            member.role = checked
        await self.db.commit()
        return member

    async def members(self, actor: Principal, key: str, *, org: str | None = None) -> list[tuple[str, str, str]]:
        """The project's explicit members as (email, name, role), by email."""
        project = await self.get(actor, key, org=org)
        rows = await self.db.execute(
            select(User.email, User.name, ProjectMember.role).join(ProjectMember, ProjectMember.user_id == User.id)
            .where(ProjectMember.project_id == project.id).order_by(User.email)
        )
        return [(email, name, role) for email, name, role in rows]

    async def member_list(self, actor: Principal, key: str, *, org: str | None = None) -> list[MemberInfo]:
        """The project's explicit members, by email."""
        return [MemberInfo(email=email, name=name, role=role)
                for email, name, role in await self.members(actor, key, org=org)]

    async def assign_member(self, actor: Principal, key: str, email: str, role: str, *,
                            org: str | None = None) -> MemberInfo:
        """Like :meth:`set_member`, answering with the member as listed."""
        member = await self.set_member(actor, key, email, role, org=org)
        user = await self.db.get_one(User, member.user_id)
        return MemberInfo(email=user.email, name=user.name, role=member.role)

    async def organization_of(self, project: ProjectAccess) -> Organization:
        """The organization row of an accessible project."""
        return await self.db.get_one(Organization, project.organization_id)
