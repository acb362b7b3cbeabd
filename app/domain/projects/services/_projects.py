"""Projects: create, list with progress, look up, members and their roles."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.changes import generation
from app.db.models import Membership, Organization, Project, ProjectMember, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import normalize_email
from app.domain.orgs.services import OrgService
from app.domain.projects.permissions import Action, ProjectRole
from app.domain.projects.schemas import MemberInfo, ProjectAccess, ProjectSummary
from app.domain.projects.services._access import check_key, check_project_role, effective_role, find_project
from app.domain.projects.services._list_cache import PROJECT_LISTS
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.spec.model import STATUSES
from buildrunner.spec.tree import Counts

__all__ = ["ProjectService", "progress_of"]


@functools.cache
def _visible_projects(*, has_org: bool, key_bound: bool, system_wide: bool) -> Select[Project, str, str, str]:
    # Built once per shape with bound parameters: composing the statement costs more than running it.
    query = (
        select(Project, Organization.slug, Membership.role, ProjectMember.role)
        .join(Organization, Organization.id == Project.organization_id)
        .join(Membership, (Membership.organization_id == Organization.id)
              & (Membership.user_id == bindparam("user_id")), isouter=system_wide)
        .outerjoin(ProjectMember, (ProjectMember.project_id == Project.id)
                   & (ProjectMember.user_id == bindparam("user_id")))
        .order_by(Organization.name, Organization.id, Project.key)
    )
    if has_org:
        query = query.where(Organization.slug == bindparam("slug"))
    if key_bound:
        query = query.where(Organization.id == bindparam("org_id"))
    return query


def progress_of(project: Project) -> Counts:
    """The microstep counts by status stored with the project's current revision."""
    counts = Counts(todo=project.count_todo, in_progress=project.count_in_progress, blocked=project.count_blocked,
                    review=project.count_review, done=project.count_done)
    counts.total = sum(getattr(counts, status) for status in STATUSES)
    return counts


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
            raise PermissionDenied(_("creating a project needs an API key with the admin scope"))
        reject_nul("name", name)
        reject_nul("description", description)
        key = check_key(key)
        name, description = name.strip(), description.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("name", _("give the project a name of 1 to 200 characters"))
        if len(description) > 5000:
            raise ValidationFailed("description", _("keep the description under 5000 characters"))
        taken = await self.db.scalar(
            select(Project.id).where(Project.organization_id == organization.id, Project.key == key)
        )
        if taken is not None:
            raise Conflict(_("%(org)s already has a project %(key)s; choose another key")
                           % {"org": organization.slug, "key": key})
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
        row = await self.db.get_one(Project, project.id)
        return ProjectSummary(
            key=project.key, name=project.name, description=project.description,
            organization=project.organization_slug, role=project.role, current_revision=project.current_revision,
            progress=progress_of(row),
        )

    async def list_for_org(self, actor: Principal, org: str) -> list[ProjectSummary]:
        """The organization's projects the actor can see, by key, with microstep counts by status."""
        return await self.list_visible(actor, org)

    async def list_visible(self, actor: Principal, org: str | None = None) -> list[ProjectSummary]:
        """Projects of one organization (``org``) or of all the actor's organizations, by organization and key.

        One query: the projects with their stored counts, the actor's organization role and project role. The
        answer is cached for a few seconds per caller (see ``_list_cache``).

        Raises:
            NotFound: ``org`` is not one of the actor's organizations.
        """
        reject_nul("org", org)
        slug = None if org is None else org.strip().lower()
        cache_key = (actor.user_id, actor.organization_id, actor.is_system, slug)
        cached = PROJECT_LISTS.get(cache_key)
        if cached is not None:
            return cached
        read_at = generation()
        query = _visible_projects(has_org=org is not None, key_bound=actor.organization_id is not None,
                                  system_wide=actor.is_system and org is not None)
        params = {"user_id": actor.user_id, "slug": slug, "org_id": actor.organization_id}
        summaries = [
            ProjectSummary(
                key=project.key, name=project.name, description=project.description, organization=org_slug,
                role=role, current_revision=project.current_revision, progress=progress_of(project),
            )
            for project, org_slug, org_role, member_role in await self.db.execute(query, params)
            if (role := effective_role("owner" if actor.is_system else org_role, member_role)) is not None
        ]
        if org is not None and not summaries:
            await self.orgs.get(actor, org)  # an organization that is not the actor's answers 404, not []
        PROJECT_LISTS.put(cache_key, read_at, summaries)
        return summaries

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
            raise NotFound(_("%(email)s is not a member of %(org)s; add them to it first")
                           % {"email": email, "org": project.organization_slug})
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
