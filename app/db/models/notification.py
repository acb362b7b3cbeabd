"""Notifications: what a person is told in the app, which channels they want, and their webhook addresses."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Notification", "NotificationPreference", "NotificationWebhook"]


class Notification(UUIDv7AuditBase):
    """One thing a user is told about: ``kind`` (``comment.mention``, ``approval.requested``...), how urgent it is,
    a short plain-text ``title``/``body`` and the local ``url`` to open.

    ``dedup_key`` names the event and the reason (``comment:<id>:mention``): unique per user, so an event that is
    published twice (or a retried request) never notifies anyone twice. ``in_app`` is false when the user turned
    the kind off in the app but on for another channel: the row still anchors that channel's delivery, unlisted.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup_key"),
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_user_unread", "user_id", "in_app", "read_at"),
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    project_id: Mapped[UUID | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), default=None)
    kind: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(1000), default="")
    url: Mapped[str] = mapped_column(String(1000))
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    in_app: Mapped[bool] = mapped_column(Boolean(), default=True)
    dedup_key: Mapped[str] = mapped_column(String(200))


class NotificationPreference(UUIDv7AuditBase):
    """Whether a user wants notifications of ``kind`` on ``channel`` (``in_app``, ``email``, ``slack``,
    ``discord``); a missing row means the kind's default."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", "channel"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean())


class NotificationWebhook(UUIDv7AuditBase):
    """A user's incoming-webhook address for ``channel`` (``slack`` or ``discord``).

    The address is a credential (anyone holding it can post to the channel), so only its encryption is stored.
    """

    __tablename__ = "notification_webhook"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    url_encrypted: Mapped[str] = mapped_column(Text())
