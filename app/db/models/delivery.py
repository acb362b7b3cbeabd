"""Deliveries: one message to send on one channel (email, Slack, Discord), unique by its deduplication key."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models._types import JsonList

__all__ = ["Delivery"]


class Delivery(UUIDv7AuditBase):
    """A message on its way: ``pending`` → ``sending`` (claimed by one worker) → ``sent`` or ``failed``.

    ``target`` is an email address, or a webhook URL encrypted with the server's key (a webhook URL is a secret:
    whoever has it can post to the channel). ``next_attempt_at`` is when a pending row may be claimed; a
    ``sending`` row whose ``claimed_at`` is older than the lease belongs to a worker that died and is claimed again.
    """

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),)

    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    organization_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), default=None, index=True,
    )
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonList)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
