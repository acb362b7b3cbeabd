"""Sign-up, email verification, password reset and operator-created users."""

from __future__ import annotations

from datetime import timedelta
from typing import Final, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import EmailToken, User, UserSession
from app.domain.accounts.services._validation import check_global_role, check_name, check_password, normalize_email
from app.domain.mail.services import MailService
from app.lib import clock, crypto
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["AccountService"]

Purpose = Literal["verify", "reset"]
TOKEN_LIFETIME: Final[dict[Purpose, timedelta]] = {"verify": timedelta(days=3), "reset": timedelta(hours=1)}


class AccountService:
    """Creates users and runs the email-token flows; each public method is one committed transaction."""

    def __init__(self, db: AsyncSession, mail: MailService, base_url: str = "http://127.0.0.1:8000") -> None:
        """Bind to a database session, a mailer and the public URL used in links."""
        self.db = db
        self.mail = mail
        self.base_url = base_url.rstrip("/")

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email (any case), or ``None``."""
        return await self.db.scalar(select(User).where(User.email == normalize_email(email)))

    async def create_user(
        self, email: str, password: str, name: str = "", *, verified: bool = False, global_role: str | None = None
    ) -> User:
        """Create a user (the operator's `users create`, and sign-up).

        Raises:
            ValidationFailed: for a malformed email, short password, long name or unknown global role.
            Conflict: when the email is taken.
        """
        address = normalize_email(email)
        user = User(
            email=address, name=check_name(name), password_hash=crypto.hash_password(check_password(password)),
            verified_at=clock.now() if verified else None, global_role=check_global_role(global_role),
        )
        if await self.db.scalar(select(User.id).where(User.email == address)) is not None:
            raise Conflict(_("an account for %(email)s already exists; sign in or reset the password")
                           % {"email": address})
        self.db.add(user)
        await self.db.flush()
        return user

    async def sign_up(self, email: str, password: str, name: str = "") -> User:
        """Create an unverified user and mail them a verification link.

        Raises:
            ValidationFailed: for bad input. Conflict: when the email is taken.
        """
        user = await self.create_user(email, password, name)
        token = await self._issue(user, "verify")
        # The mail speaks the language of the request that asked for it (as a rule, the recipient's).
        await self.mail.send(
            user.email, _("Confirm your BuildRunner account"),
            _("Welcome to BuildRunner.\n\nConfirm your email address by opening this link within 3 days:\n"
              "%(link)s\n\nIf you did not sign up, ignore this message.\n")
            % {"link": f"{self.base_url}/verify?token={token}"},
        )
        await self.db.commit()
        return user

    async def verify_email(self, token: str) -> User:
        """Mark the token's user verified.

        Raises:
            ValidationFailed: when the token is unknown, used or expired.
        """
        user = await self._consume(token, "verify")
        if user.verified_at is None:
            user.verified_at = clock.now()
        await self.db.commit()
        return user

    async def request_password_reset(self, email: str) -> None:
        """Mail a reset link when the account exists; says nothing either way, so accounts cannot be probed."""
        user = await self.get_by_email(email)
        if user is None:
            return
        token = await self._issue(user, "reset")
        await self.mail.send(
            user.email, _("Reset your BuildRunner password"),
            _("Someone asked to reset the password of this BuildRunner account.\n\nChoose a new password within "
              "an hour at:\n%(link)s\n\nIf it was not you, ignore this message.\n")
            % {"link": f"{self.base_url}/reset?token={token}"},
        )
        await self.db.commit()

    async def reset_password(self, token: str, new_password: str) -> User:
        """Set a new password from a reset token and end every session of the user.

        Raises:
            ValidationFailed: when the token is unknown, used or expired, or the password too short.
        """
        check_password(new_password)
        user = await self._consume(token, "reset")
        user.password_hash = crypto.hash_password(new_password)
        user.failed_login_count = 0
        user.failed_login_window_start = None
        await self.db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .values(ended_at=clock.now())
        )
        await self.db.commit()
        return user

    async def _issue(self, user: User, purpose: Purpose) -> str:
        token = crypto.new_token()
        self.db.add(EmailToken(
            purpose=purpose, token_hash=crypto.hash_token(token), user_id=user.id,
            expires_at=clock.now() + TOKEN_LIFETIME[purpose],
        ))
        await self.db.flush()
        return token

    async def _consume(self, token: str, purpose: Purpose) -> User:
        row = await self.db.scalar(
            select(EmailToken).where(EmailToken.token_hash == crypto.hash_token(token), EmailToken.purpose == purpose)
        )
        if row is None or row.used_at is not None or row.expires_at <= clock.now():
            # Two whole sentences, not one with a word slotted in: languages inflect around the noun.
            message = (_("this verification link is invalid, used or expired; ask for a new one") if purpose == "verify"
                       else _("this password reset link is invalid, used or expired; ask for a new one"))
            raise ValidationFailed("token", message)
        row.used_at = clock.now()
        user = await self.db.get_one(User, row.user_id)
        return user
