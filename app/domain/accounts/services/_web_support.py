"""What the account pages need beyond the core flows: sign-in only once verified, and resending the link.

Sign-in requires a verified email: an account anyone could create for someone else's address must not
act in organizations before its owner proves the address is theirs. The check comes after the password
check, so only the holder of the password learns that an account is unverified.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sqlalchemy import select

from app.db.models import EmailToken, User
from app.domain.accounts.services._accounts import AccountService
from app.domain.accounts.services._sessions import SessionService
from app.domain.accounts.services._validation import MAX_PASSWORD, MIN_PASSWORD
from app.lib import clock, crypto
from app.lib.errors import PermissionDenied
from app.lib.i18n import gettext as _

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "RESEND_INTERVAL",
    "EmailNotVerified",
    "VerificationService",
    "VerifiedSessionService",
]

# One verification mail a minute per account: enough for a person, too slow to flood a stranger's inbox.
RESEND_INTERVAL: Final = timedelta(minutes=1)


class EmailNotVerified(PermissionDenied):
    """The password was right but the email address is not confirmed yet."""

    type_slug = "email-not-verified"


class VerifiedSessionService(SessionService):
    """Sessions for people whose email is confirmed; everything else as :class:`SessionService`."""

    async def authenticate(self, email: str, password: str) -> User:
        """Check the password (counting failures), then that the email is verified.

        Raises:
            Unauthorized, RateLimited: see :meth:`SessionService.authenticate`.
            EmailNotVerified: the password is right but the address is not confirmed.
        """
        user = await super().authenticate(email, password)
        if user.verified_at is None:
            raise EmailNotVerified(
                _("confirm your email address first: open the link we sent to %(email)s, or ask for a new one")
                % {"email": user.email})
        return user


class VerificationService(AccountService):
    """Email verification beyond sign-up: resending the link, and checking a reset link before use."""

    async def resend_verification(self, email: str) -> None:
        """Mail a fresh verification link to an unverified account; silent otherwise (no account probing).

        Raises:
            ValidationFailed: when ``email`` is not an email address.
        """
        user = await self.get_by_email(email)
        if user is None or user.verified_at is not None or await self._sent_recently(user):
            return
        token = await self._issue(user, "verify")
        await self.mail.send(
            user.email, _("Confirm your BuildRunner account"),
            _("Here is a new link to confirm your email address; open it within 3 days:\n"
              "%(link)s\n\nIf you did not ask for it, ignore this message.\n")
            % {"link": f"{self.base_url}/verify?token={token}"},
        )
        await self.db.commit()

    async def reset_token_usable(self, token: str) -> bool:
        """Whether a password reset link is known, unused and unexpired (it is not consumed)."""
        row = await self.db.scalar(select(EmailToken).where(
            EmailToken.token_hash == crypto.hash_token(token), EmailToken.purpose == "reset"))
        return row is not None and row.used_at is None and row.expires_at > clock.now()

    async def _sent_recently(self, user: User) -> bool:
        latest = await self.db.scalar(
            select(EmailToken.created_at).where(EmailToken.user_id == user.id, EmailToken.purpose == "verify")
            .order_by(EmailToken.created_at.desc()).limit(1))
        return latest is not None and clock.now() - latest < RESEND_INTERVAL
