"""Login with rate limiting, browser sessions and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.models import Impersonation, User, UserSession
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services._impersonation import active_impersonation
from app.domain.accounts.services._validation import normalize_email, principal_for
from app.domain.audit.services import record as audit_record
from app.lib import clock, crypto
from app.lib.errors import RateLimited, Unauthorized, ValidationFailed
from app.lib.i18n import N_
from app.lib.i18n import gettext as _

__all__ = ["LOGIN_LIMIT", "LOGIN_WINDOW", "SESSION_LIFETIME", "SessionService"]

LOGIN_LIMIT: Final = 10
LOGIN_WINDOW: Final = timedelta(minutes=15)
SESSION_LIFETIME: Final = timedelta(days=14)
_WRONG: Final = N_("the email or password is wrong")


class SessionService:
    """Signs people in and out; the session token lives in a cookie, its hash in ``user_session``."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def authenticate(self, email: str, password: str) -> User:
        """Check a password, counting failures: after 10 in 15 minutes the account refuses logins for the rest.

        Raises:
            Unauthorized: wrong email or password (the same message for both).
            RateLimited: too many failures in the window.
        """
        try:
            address = normalize_email(email)
        except ValidationFailed:
            address = ""
        user = await self.db.scalar(select(User).where(User.email == address)) if address else None
        if user is None:
            crypto.dummy_password_check(password)  # same work as a real check: unknown emails take as long
            await audit_record(self.db, address or email, "auth.login_failed", payload={"reason": "unknown"},
                               commit=True)
            raise Unauthorized(_(_WRONG))
        now = clock.now()
        start = user.failed_login_window_start
        if start is not None and now - start >= LOGIN_WINDOW:
            user.failed_login_count, user.failed_login_window_start = 0, None
        if user.failed_login_count >= LOGIN_LIMIT and user.failed_login_window_start is not None:
            wait = user.failed_login_window_start + LOGIN_WINDOW - now
            await audit_record(self.db, user.email, "auth.login_failed", payload={"reason": "rate_limited"},
                               commit=True)
            raise RateLimited(
                _("too many failed logins for this account; try again later or reset the password"),
                retry_after=max(1, int(wait.total_seconds())),
            )
        if not crypto.check_password(user.password_hash, password):
            user.failed_login_count += 1
            user.failed_login_window_start = user.failed_login_window_start or now
            await audit_record(self.db, user.email, "auth.login_failed", payload={"reason": "wrong_password"})
            await self.db.commit()  # the failure must count even though the request fails
            raise Unauthorized(_(_WRONG))
        user.failed_login_count, user.failed_login_window_start = 0, None
        if crypto.password_needs_rehash(user.password_hash):
            user.password_hash = crypto.hash_password(password)
        return user

    async def login(self, email: str, password: str, user_agent: str = "") -> tuple[Principal, str]:
        """Authenticate and open a new session; returns the principal and the cookie token (a fresh one each time).

        Raises:
            Unauthorized, RateLimited: see :meth:`authenticate`.
        """
        user = await self.authenticate(email, password)
        token = crypto.new_token()
        record = UserSession(
            token_hash=crypto.hash_token(token), user_id=user.id, expires_at=clock.now() + SESSION_LIFETIME,
            user_agent=user_agent[:400],
        )
        self.db.add(record)
        await audit_record(self.db, user.email, "auth.login", payload={"user_agent": user_agent[:200]})
        await self.db.commit()
        return principal_for(user, via="session", credential_id=record.id), token

    async def resolve(self, token: str) -> Principal | None:
        """The principal of a live session token, or ``None`` when unknown, ended or expired.

        While the session's GlobalAdmin impersonates someone (see ``_impersonation``), the principal is that user,
        naming the admin as ``impersonator``; one query either way.
        """
        now = clock.now()
        target = aliased(User)
        row = await self.db.execute(
            select(UserSession, User, Impersonation.expires_at, target)
            .join(User, User.id == UserSession.user_id)
            .outerjoin(Impersonation, active_impersonation(UserSession.id, now))
            .outerjoin(target, target.id == Impersonation.user_id)
            .where(UserSession.token_hash == crypto.hash_token(token))
            .order_by(Impersonation.created_at.desc())
            .limit(1)
        )
        found = row.first()
        if found is None:
            return None
        record, user, ends_at, impersonated = found
        if record.ended_at is not None or record.expires_at <= now:
            return None
        if impersonated is not None and user.global_role == "GlobalAdmin":
            return principal_for(impersonated, via="session", credential_id=record.id, impersonator=user.email,
                                 impersonation_ends_at=ends_at)
        return principal_for(user, via="session", credential_id=record.id)

    async def logout(self, token: str) -> None:
        """End the session of ``token`` (nothing happens for an unknown token)."""
        record = await self.db.scalar(select(UserSession).where(UserSession.token_hash == crypto.hash_token(token)))
        if record is not None and record.ended_at is None:
            record.ended_at = clock.now()
            await self.db.commit()
