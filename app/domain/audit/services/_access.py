"""Who may read the ledger: GlobalAdmin everything, TenantAdmin the entries of its own organizations; no one else.

An API key limited to one organization limits either role to that organization. Global entries (logins, API keys:
no organization) are for GlobalAdmin only. Deny by default.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership
from app.domain.accounts.schemas import Principal
from app.lib.errors import PermissionDenied
from app.lib.i18n import gettext as _

__all__ = ["AUDIT_ROLES", "AuditScope", "audit_scope"]

AUDIT_ROLES: Final = frozenset({"GlobalAdmin", "TenantAdmin"})


class AuditScope:
    """The organizations whose entries a caller may read; ``orgs is None`` means every entry, global ones too."""

    __slots__ = ("orgs",)

    def __init__(self, orgs: frozenset[UUID] | None) -> None:
        """Limit to ``orgs`` (``None``: no limit)."""
        self.orgs = orgs

    def allows(self, organization_id: UUID | None) -> bool:
        """Whether an entry of ``organization_id`` (``None``: a global entry) is visible."""
        return self.orgs is None or (organization_id is not None and organization_id in self.orgs)


async def audit_scope(db: AsyncSession, principal: Principal) -> AuditScope:
    """The caller's view of the ledger.

    Raises:
        PermissionDenied: for anyone but GlobalAdmin, TenantAdmin and the operator, or a key without ``admin``.
    """
    if principal.is_system:
        return AuditScope(None)
    if principal.global_role not in AUDIT_ROLES:
        raise PermissionDenied(_("the audit ledger is open to GlobalAdmin and TenantAdmin accounts only"))
    if not principal.has_scope("admin"):
        raise PermissionDenied(_("this API key lacks the %(scope)s scope") % {"scope": "admin"})
    if principal.global_role == "GlobalAdmin":
        bound = principal.organization_id
        return AuditScope(None if bound is None else frozenset({bound}))
    orgs = frozenset(await db.scalars(select(Membership.organization_id)
                                      .where(Membership.user_id == principal.user_id)))
    if principal.organization_id is not None:
        orgs &= {principal.organization_id}
    return AuditScope(orgs)
