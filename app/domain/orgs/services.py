"""Organizations: create, membership, listing; every read is limited to the caller's memberships."""

from __future__ import annotations

import re
from typing import Final, Literal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, Organization, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import normalize_email
from app.domain.audit.services import record
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["ORG_ROLES", "OrgRole", "OrgService"]

OrgRole = Literal["owner", "admin", "member"]
ORG_ROLES: Final[tuple[OrgRole, ...]] = ("owner", "admin", "member")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_org_role(role: str) -> OrgRole:
    """Validate an organization role.

    Raises:
        ValidationFailed: when it is not owner, admin or member.
    """
    for known in ORG_ROLES:
        if role == known:
            return known
    raise ValidationFailed("role", _("use one of %(choices)s") % {"choices": ", ".join(ORG_ROLES)})


class OrgService:
    """Organizations and memberships."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def create(self, actor: Principal, slug: str, name: str) -> Organization:
        """Create an organization with ``actor`` as its owner (the operator creates it owner-less).

        Raises:
            ValidationFailed: for a bad slug or name. Conflict: when the slug is taken.
        """
        reject_nul("slug", slug)
        reject_nul("name", name)
        slug = slug.strip().lower()
        if not _SLUG.match(slug):
            raise ValidationFailed("slug", _("use 1–63 lowercase letters, digits and dashes, not starting with a dash"))
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationFailed("name", _("give the organization a name of 1–200 characters"))
        if await self.db.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
            raise Conflict(_("the organization slug %(slug)s is taken; choose another") % {"slug": repr(slug)})
        org = Organization(slug=slug, name=name)
        self.db.add(org)
        await self.db.flush()
        if not actor.is_system:
            self.db.add(Membership(organization_id=org.id, user_id=actor.user_id, role="owner"))
        await self.db.commit()
        return org

    async def role_of(self, user_id: UUID, org_id: UUID) -> OrgRole | None:
        """The user's role in the organization, or ``None`` when not a member."""
        role = await self.db.scalar(
            select(Membership.role).where(Membership.organization_id == org_id, Membership.user_id == user_id)
        )
        return None if role is None else check_org_role(role)

    async def get(self, actor: Principal, slug: str) -> Organization:
        """An organization the actor belongs to.

        Raises:
            NotFound: when it does not exist or the actor is not a member (the two look the same).
            ValidationFailed: when the slug contains NUL.
        """
        reject_nul("org", slug)
        org = await self.db.scalar(select(Organization).where(Organization.slug == slug.strip().lower()))
        if org is None or not await self._visible(actor, org):
            raise NotFound(_("no organization %(slug)s among yours") % {"slug": repr(slug)})
        return org

    async def _visible(self, actor: Principal, org: Organization) -> bool:
        if actor.is_system:
            return True
        if actor.organization_id is not None and actor.organization_id != org.id:
            return False
        return await self.role_of(actor.user_id, org.id) is not None

    async def list_for(self, actor: Principal) -> list[tuple[Organization, OrgRole]]:
        """The actor's organizations with their role, by name."""
        query = (
            select(Organization, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == actor.user_id)
            .order_by(Organization.name)
        )
        if actor.organization_id is not None:
            query = query.where(Organization.id == actor.organization_id)
        return [(org, check_org_role(role)) for org, role in await self.db.execute(query)]

    async def add_member(self, actor: Principal, slug: str, email: str, role: str) -> Membership:
        """Add a user to an organization, or change their role.

        Raises:
            NotFound: no such organization (for the actor) or no account with that email.
            PermissionDenied: the actor is not an owner or admin. ValidationFailed: unknown role.
        """
        org = await self.get(actor, slug)
        checked = check_org_role(role)
        if not actor.is_system and await self.role_of(actor.user_id, org.id) not in ("owner", "admin"):
            raise PermissionDenied(_("only owners and admins of the organization can add members"))
        user = await self.db.scalar(select(User).where(User.email == normalize_email(email)))
        if user is None:
            raise NotFound(_("no account for %(email)s; ask them to sign up first") % {"email": repr(email)})
        membership = await self.db.scalar(
            select(Membership).where(Membership.organization_id == org.id, Membership.user_id == user.id)
        )
        if membership is None:
            membership = Membership(organization_id=org.id, user_id=user.id, role=checked)
            self.db.add(membership)
        else:
            membership.role = checked
        await record(self.db, actor, "member.role_change", target=user.email, payload={"role": checked}, org_id=org.id)
        await self.db.commit()
        return membership

    async def members(self, actor: Principal, slug: str) -> list[tuple[User, OrgRole]]:
        """Members of one of the actor's organizations, by email."""
        org = await self.get(actor, slug)
        rows = await self.db.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == org.id).order_by(User.email)
        )
        return [(user, check_org_role(role)) for user, role in rows]
