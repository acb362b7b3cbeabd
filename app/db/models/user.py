"""People who sign in."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["User"]


class User(UUIDv7AuditBase):
    """A person with a login; ``email`` is stored lowercased, ``global_role`` only for staff."""

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    verified_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    global_role: Mapped[str | None] = mapped_column(String(20), default=None)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    failed_login_window_start: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
