"""Mail kept by the server: the dev mailbox in embedded mode, and a record of what was sent."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["OutboxMail"]


class OutboxMail(UUIDv7AuditBase):
    """One email; ``sent_at`` is set once SMTP accepted it (never, in embedded mode)."""

    __tablename__ = "outbox_mail"

    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
