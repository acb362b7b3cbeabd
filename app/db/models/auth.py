"""Browser sessions (and the impersonations run in them) and single-use email tokens; only hashes of secrets."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["EmailToken", "Impersonation", "UserSession"]


class UserSession(UUIDv7AuditBase):
    """A signed-in browser; the cookie holds the token, the table its SHA-256."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    user_agent: Mapped[str] = mapped_column(String(400), default="")


class EmailToken(UUIDv7AuditBase):
    """A single-use token mailed to a user: ``purpose`` is ``verify`` or ``reset``."""

    __tablename__ = "email_token"

    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Impersonation(UUIDv7AuditBase):
    """A GlobalAdmin acting as another user in their own browser session, for a stated reason, until ``expires_at``
    or ``ended_at``. A session runs at most one at a time; every start and end is in the audit ledger."""

    __tablename__ = "impersonation"

    session_id: Mapped[UUID] = mapped_column(ForeignKey("user_session.id", ondelete="CASCADE"), index=True)
    admin_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(400))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
