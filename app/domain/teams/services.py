"""Teams of an organization: list, create, add and remove members, delete.

Any member of an organization may create a team (and becomes its first member); a team is changed or deleted by the
organization's owners and admins and by whoever created it. Teams of another organization do not exist for the
caller (404), like everything else of another tenant.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Final
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, Organization, Team, TeamMember, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import normalize_email
from app.domain.orgs.services import OrgService
from app.domain.teams.schemas import TeamInfo, TeamMemberInfo
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["TEAM_SLUG", "TeamService", "check_team_slug"]

TEAM_SLUG: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_team_slug(slug: str) -> str:
    """Normalise a team slug to lower case.

    Raises:
        ValidationFailed: unless it is 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash.
    """
    reject_nul("slug", slug)
    cleaned = slug.strip().lower()
    if not TEAM_SLUG.match(cleaned):
        raise ValidationFailed("slug", _("use 1–63 lowercase letters, digits and dashes, not starting or ending "
                                         "with a dash (e.g. frontend)"))
    return cleaned


class TeamService:
    """The teams of the caller's organizations."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.orgs = OrgService(db)

    async def teams(self, actor: Principal, org: str) -> list[TeamInfo]:
        """The organization's teams with their members, by slug.

        Raises:
            NotFound: the organization is not one of the actor's.
        """
        organization = await self.orgs.get(actor, org)
        teams = list(await self.db.scalars(
            select(Team).where(Team.organization_id == organization.id).order_by(Team.slug)))
        members: dict[UUID, list[TeamMemberInfo]] = defaultdict(list)
        if teams:
            rows = await self.db.execute(
                select(TeamMember.team_id, User.email, User.name).join(User, User.id == TeamMember.user_id)
                .where(TeamMember.team_id.in_([team.id for team in teams])).order_by(User.email))
            for team_id, email, name in rows:
                members[team_id].append(TeamMemberInfo(email=email, name=name))
        admin = await self._is_admin(actor, organization)
        return [TeamInfo(slug=team.slug, name=team.name, members=members[team.id],
                         can_manage=admin or team.created_by_id == actor.user_id) for team in teams]

    async def get(self, actor: Principal, org: str, slug: str) -> TeamInfo:
        """One team of the organization.

        Raises:
            NotFound: no such organization among the actor's, or no such team in it.
        """
        reject_nul("team", slug)
        wanted = slug.strip().lower()
        for team in await self.teams(actor, org):
            if team.slug == wanted:
                return team
        raise NotFound(_("%(org)s has no team %(team)s") % {"org": org, "team": repr(slug[:63])})

    async def create(self, actor: Principal, org: str, slug: str, name: str) -> TeamInfo:
        """Create a team in one of the actor's organizations, with the actor as its first member.

        Raises:
            NotFound: no such organization among the actor's. ValidationFailed: bad slug or name.
            Conflict: the organization already has a team with that slug.
        """
        organization = await self.orgs.get(actor, org)
        slug = check_team_slug(slug)
        reject_nul("name", name)
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("name", _("give the team a name of 1–200 characters"))
        if await self._find(organization, slug) is not None:
            raise Conflict(_("%(org)s already has a team %(team)s; choose another slug")
                           % {"org": organization.slug, "team": slug})
        team = Team(organization_id=organization.id, slug=slug, name=name,
                    created_by_id=None if actor.is_system else actor.user_id)
        self.db.add(team)
        await self.db.flush()
        if not actor.is_system:
            self.db.add(TeamMember(team_id=team.id, user_id=actor.user_id))
        await self.db.commit()
        return await self.get(actor, organization.slug, slug)

    async def add_member(self, actor: Principal, org: str, slug: str, email: str) -> TeamInfo:
        """Add a member of the organization to a team (nothing happens when they are in it already).

        Raises:
            NotFound: no such organization, team, or member of the organization with that email.
            PermissionDenied: the actor is not an owner or admin of the organization nor the team's creator.
        """
        organization, team = await self._managed(actor, org, slug)
        user = await self._org_member(organization, email)
        taken = await self.db.scalar(
            select(TeamMember.id).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id))
        if taken is None:
            self.db.add(TeamMember(team_id=team.id, user_id=user.id))
            await self.db.commit()
        return await self.get(actor, organization.slug, team.slug)

    async def remove_member(self, actor: Principal, org: str, slug: str, email: str) -> TeamInfo:
        """Take someone out of a team (nothing happens when they are not in it).

        Raises:
            NotFound: no such organization or team. ValidationFailed: a malformed email.
            PermissionDenied: the actor may not manage the team.
        """
        organization, team = await self._managed(actor, org, slug)
        user_id = await self.db.scalar(select(User.id).where(User.email == normalize_email(email)))
        if user_id is not None:
            await self.db.execute(delete(TeamMember).where(TeamMember.team_id == team.id,
                                                           TeamMember.user_id == user_id))
            await self.db.commit()
        return await self.get(actor, organization.slug, team.slug)

    async def delete(self, actor: Principal, org: str, slug: str) -> None:
        """Delete a team; comments that mentioned it keep the users they named.

        Raises:
            NotFound: no such organization or team. PermissionDenied: the actor may not manage the team.
        """
        _organization, team = await self._managed(actor, org, slug)
        await self.db.delete(team)
        await self.db.commit()

    async def member_ids(self, organization_id: UUID, slug: str) -> list[UUID] | None:
        """The user ids of a team of the organization, or ``None`` when it has no such team (for mentions)."""
        team_id = await self.db.scalar(
            select(Team.id).where(Team.organization_id == organization_id, Team.slug == slug.lower()))
        if team_id is None:
            return None
        return list(await self.db.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team_id)))

    async def slugs(self, organization_id: UUID, prefix: str = "", limit: int = 10) -> list[tuple[str, str]]:
        """(slug, name) of the organization's teams whose slug starts with ``prefix``, by slug (for suggestions)."""
        query = select(Team.slug, Team.name).where(Team.organization_id == organization_id)
        if prefix:
            query = query.where(Team.slug.startswith(prefix.lower(), autoescape=True))
        rows = await self.db.execute(query.order_by(Team.slug).limit(limit))
        return [(slug, name) for slug, name in rows]

    async def _find(self, organization: Organization, slug: str) -> Team | None:
        return await self.db.scalar(select(Team).where(Team.organization_id == organization.id, Team.slug == slug))

    async def _is_admin(self, actor: Principal, organization: Organization) -> bool:
        return actor.is_system or await self.orgs.role_of(actor.user_id, organization.id) in ("owner", "admin")

    async def _managed(self, actor: Principal, org: str, slug: str) -> tuple[Organization, Team]:
        organization = await self.orgs.get(actor, org)
        reject_nul("team", slug)
        team = await self._find(organization, slug.strip().lower())
        if team is None:
            raise NotFound(_("%(org)s has no team %(team)s") % {"org": organization.slug, "team": repr(slug[:63])})
        if team.created_by_id != actor.user_id and not await self._is_admin(actor, organization):
            raise PermissionDenied(_("only the organization's owners and admins, and the team's creator, can change "
                                     "the team %(team)s") % {"team": team.slug})
        return organization, team

    async def _org_member(self, organization: Organization, email: str) -> User:
        user = await self.db.scalar(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == organization.id, User.email == normalize_email(email)))
        if user is None:
            raise NotFound(_("%(email)s is not a member of %(org)s; add them to the organization first")
                           % {"email": email.strip()[:320], "org": organization.slug})
        return user
