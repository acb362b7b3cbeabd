"""Impersonation: a GlobalAdmin acts as another user, in their own browser session, to see what that user sees.

It is bounded (a stated reason, at most ``MAX_MINUTES``), visible (a banner on every page, with the button that
ends it) and on the record: the audit ledger gets ``admin.impersonate`` when it starts, ``admin.impersonate_end``
when it is ended, and everything done meanwhile is recorded as ``admin@… as user@…``. It cannot be used to take
over an account: no API key can be created while impersonating (a key would outlive the impersonation), no
GlobalAdmin can be impersonated, and it stops as soon as the session or the admin's GlobalAdmin role ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.db.models import Impersonation, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services._validation import normalize_email
from app.domain.audit.services import record as audit_record
from app.lib import clock
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["MAX_MINUTES", "ImpersonationInfo", "ImpersonationService", "active_impersonation"]

MAX_MINUTES: Final = 60
MIN_REASON: Final = 10
MAX_REASON: Final = 400


class ImpersonationInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An impersonation as the admin page lists it."""

    admin: str
    user: str
    reason: str
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def active_impersonation(session_id: UUID | ColumnElement[UUID] | InstrumentedAttribute[UUID],
                         now: datetime) -> ColumnElement[bool]:
    """The join condition of a session's running impersonation (for ``SessionService.resolve``)."""
    return and_(Impersonation.session_id == session_id, Impersonation.ended_at.is_(None),
                Impersonation.expires_at > now)


class ImpersonationService:
    """Starts, ends and lists impersonations."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    @staticmethod
    def _require_admin(admin: Principal) -> UUID:
        if admin.via != "session" or admin.credential_id is None:
            raise PermissionDenied(_("impersonation needs a signed-in browser"))
        if admin.impersonator is not None:
            raise Conflict(_("you are already acting as %(email)s: end that first") % {"email": admin.email})
        if admin.global_role != "GlobalAdmin":
            raise PermissionDenied(_("only a GlobalAdmin may act as another user"))
        return admin.credential_id

    async def start(self, admin: Principal, email: str, reason: str, minutes: int) -> ImpersonationInfo:
        """Act as the user with ``email`` in ``admin``'s session for ``minutes``, for ``reason``.

        Raises:
            PermissionDenied: the caller is not a GlobalAdmin in a browser session.
            Conflict: the session already impersonates someone.
            ValidationFailed: an unknown, own or GlobalAdmin account (``email``), a short or long ``reason``, or
                ``minutes`` outside 1 to ``MAX_MINUTES``.
        """
        session_id = self._require_admin(admin)
        reason = " ".join(reason.split())  # line breaks and runs of spaces become one space
        if any(ord(char) < 32 or ord(char) == 127 for char in reason):
            raise ValidationFailed("reason", _("remove the control characters (such as NUL)"))
        if not MIN_REASON <= len(reason) <= MAX_REASON:
            raise ValidationFailed("reason", _("say why, in %(min)d to %(max)d characters (a ticket number helps): "
                                               "it goes into the audit ledger") % {"min": MIN_REASON,
                                                                                  "max": MAX_REASON})
        if not 1 <= minutes <= MAX_MINUTES:
            raise ValidationFailed("minutes", _("choose from 1 to %(max)d minutes") % {"max": MAX_MINUTES})
        try:
            address = normalize_email(email)
        except ValidationFailed as exc:
            raise ValidationFailed("email", exc.detail) from None
        user = await self.db.scalar(select(User).where(User.email == address))
        if user is None:
            raise ValidationFailed("email", _("no account has this email"))
        if user.id == admin.user_id:
            raise ValidationFailed("email", _("this is your own account"))
        if user.global_role == "GlobalAdmin":
            raise ValidationFailed("email", _("a GlobalAdmin cannot be impersonated: ask them instead"))
        now = clock.now()
        impersonation = Impersonation(session_id=session_id, admin_id=admin.user_id, user_id=user.id, reason=reason,
                                      expires_at=now + timedelta(minutes=minutes))
        self.db.add(impersonation)
        await audit_record(self.db, admin, "admin.impersonate", target=user.email,
                           payload={"reason": reason, "minutes": minutes,
                                    "until": impersonation.expires_at.isoformat(timespec="seconds")})
        await self.db.commit()
        return ImpersonationInfo(admin=admin.email, user=user.email, reason=reason, started_at=now,
                                 expires_at=impersonation.expires_at, ended_at=None)

    async def end(self, principal: Principal) -> str:
        """End the impersonation ``principal`` runs in; returns the impersonated email.

        Raises:
            Conflict: the session impersonates no one (or that ended already).
        """
        if principal.impersonator is None or principal.credential_id is None:
            raise Conflict(_("you are not acting as another user"))
        now = clock.now()
        running = (await self.db.scalars(select(Impersonation).where(
            active_impersonation(principal.credential_id, now)).order_by(Impersonation.created_at))).all()
        if not running:
            raise Conflict(_("you are not acting as another user"))
        for item in running:  # one, unless two starts raced in the same session: the button ends them all
            item.ended_at = now
        await audit_record(self.db, principal, "admin.impersonate_end", target=principal.email,
                           payload={"reason": running[-1].reason})
        await self.db.commit()
        return principal.email

    async def recent(self, admin: Principal, limit: int = 20) -> list[ImpersonationInfo]:
        """The latest impersonations by anyone, newest first (GlobalAdmin only).

        Raises:
            PermissionDenied: the caller is not a GlobalAdmin.
        """
        if admin.global_role != "GlobalAdmin" or admin.impersonator is not None:
            raise PermissionDenied(_("only a GlobalAdmin may act as another user"))
        admins, users = aliased(User), aliased(User)
        rows = await self.db.execute(
            select(Impersonation, admins.email, users.email)
            .join(admins, admins.id == Impersonation.admin_id).join(users, users.id == Impersonation.user_id)
            .order_by(Impersonation.created_at.desc()).limit(limit))
        return [ImpersonationInfo(admin=admin_email, user=user_email, reason=row.reason, started_at=row.created_at,
                                  expires_at=row.expires_at, ended_at=row.ended_at)
                for row, admin_email, user_email in rows]
