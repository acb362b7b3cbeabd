"""Finding a project for a caller and the role they hold in it; other tenants' projects do not exist."""

from __future__ import annotations

import re
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, Organization, Project, ProjectMember
from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import PROJECT_ROLES, Action, ProjectRole, allowed
from app.domain.projects.schemas import ProjectAccess
from app.lib.errors import NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["check_key", "check_project_role", "effective_role", "find_project"]

_KEY = re.compile(r"^[A-Z][A-Z0-9_-]{0,39}$")
# Organization owners and admins run every project of their organization; plain members can look.
_ORG_ROLE_DEFAULT: Final[dict[str, ProjectRole]] = {"owner": "PM", "admin": "PM", "member": "Viewer"}


def check_key(key: str) -> str:
    """Normalise a project key to upper case.

    Raises:
        ValidationFailed: unless it is 1 to 40 letters, digits, ``-`` or ``_``, starting with a letter.
    """
    reject_nul("key", key)
    cleaned = key.strip().upper()
    if not _KEY.match(cleaned):
        raise ValidationFailed("key", _("use 1–40 letters, digits, - or _, starting with a letter (e.g. WEB)"))
    return cleaned


def check_project_role(role: str) -> ProjectRole:
    """Validate a project role name.

    Raises:
        ValidationFailed: unless it is PM, TechLead, QA, Contributor or Viewer.
    """
    for known in PROJECT_ROLES:
        if role == known:
            return known
    raise ValidationFailed("role", _("use one of %(choices)s") % {"choices": ", ".join(PROJECT_ROLES)})


def effective_role(org_role: str | None, project_role: str | None) -> ProjectRole | None:
    """The role that counts: an explicit project role wins, else the organization role's default."""
    if project_role is not None:
        return check_project_role(project_role)
    return _ORG_ROLE_DEFAULT.get(org_role) if org_role is not None else None


async def find_project(
    db: AsyncSession, actor: Principal, key: str, *, org: str | None = None, action: Action = Action.VIEW_PLAN
) -> ProjectAccess:
    """The project ``key`` among the actor's organizations, checked for ``action``.

    Raises:
        NotFound: when no project of the actor's organizations has the key (another tenant's project included).
        ValidationFailed: when several of the actor's organizations have that key and ``org`` is not given.
        PermissionDenied: when the actor can see the project but their role or key scope does not allow ``action``.
    """
    reject_nul("key", key)
    reject_nul("org", org)
    normal = key.strip().upper()
    query = (
        select(Project, Organization.slug, Membership.role, ProjectMember.role)
        .join(Organization, Organization.id == Project.organization_id)
        .outerjoin(Membership, (Membership.organization_id == Project.organization_id)
                   & (Membership.user_id == actor.user_id))
        .outerjoin(ProjectMember, (ProjectMember.project_id == Project.id) & (ProjectMember.user_id == actor.user_id))
        .where(Project.key == normal)
    )
    if org is not None:
        query = query.where(Organization.slug == org.strip().lower())
    if actor.organization_id is not None:
        query = query.where(Project.organization_id == actor.organization_id)
    candidates = [
        (project, slug, actor_role)
        for project, slug, org_role, project_role in await db.execute(query)
        if (actor_role := ("PM" if actor.is_system else effective_role(org_role, project_role))) is not None
    ]
    if not candidates:
        raise NotFound(_("no project %(key)s in your organizations") % {"key": repr(normal)})
    if len(candidates) > 1:
        slugs = ", ".join(sorted(slug for _, slug, _ in candidates))
        raise ValidationFailed("org", _("several of your organizations have a project %(key)s (%(orgs)s); name one")
                               % {"key": normal, "orgs": slugs})
    project, slug, role = candidates[0]
    if not allowed(actor, role, action):
        raise PermissionDenied(_("your role in %(key)s (%(role)s) or your API key's scopes do not allow: %(action)s")
                               % {"key": normal, "role": role, "action": action.value})
    return ProjectAccess(
        id=project.id, organization_id=project.organization_id, organization_slug=slug, key=project.key,
        name=project.name, description=project.description, current_revision=project.current_revision, role=role,
    )
