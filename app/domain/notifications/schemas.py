"""Notification values encoded by the JSON API and passed to the pages, and the kinds, channels and defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal
from uuid import UUID

import msgspec

__all__ = [
    "CHANNELS",
    "DEFAULTS",
    "KINDS",
    "PRIORITIES",
    "WEBHOOK_CHANNELS",
    "Channel",
    "KindDefault",
    "NotificationInfo",
    "NotificationList",
    "PreferenceSetting",
    "Preferences",
    "PreferencesUpdate",
    "Priority",
    "UnreadCount",
    "WebhookInfo",
]

Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal["in_app", "email", "slack", "discord"]
PRIORITIES: Final[tuple[Priority, ...]] = ("low", "normal", "high", "urgent")
CHANNELS: Final[tuple[Channel, ...]] = ("in_app", "email", "slack", "discord")
WEBHOOK_CHANNELS: Final[tuple[Channel, ...]] = ("slack", "discord")


class KindDefault(msgspec.Struct, frozen=True, kw_only=True):
    """What a kind of notification is by default: its priority, the channels that are on, and the channels a user
    may choose at all (``offered``)."""

    priority: Priority
    channels: frozenset[Channel]
    offered: frozenset[Channel] = frozenset(CHANNELS)


_NO_EMAIL: Final[frozenset[Channel]] = frozenset({"in_app", "slack", "discord"})
DEFAULTS: Final[dict[str, KindDefault]] = {
    # Being asked for something (a mention, an approval) is worth an email; hearing about activity is not.
    "comment.mention": KindDefault(priority="high", channels=frozenset({"in_app", "email"})),
    "comment.reply": KindDefault(priority="normal", channels=frozenset({"in_app"})),
    "comment.watch": KindDefault(priority="normal", channels=frozenset({"in_app"})),
    # The approvals mail the approvers and the requester themselves (app.domain.governance), so an email channel
    # here would send everything twice: it is not offered for these kinds.
    "approval.requested": KindDefault(priority="high", channels=frozenset({"in_app"}), offered=_NO_EMAIL),
    "approval.decided": KindDefault(priority="normal", channels=frozenset({"in_app"}), offered=_NO_EMAIL),
    "status.changed": KindDefault(priority="low", channels=frozenset({"in_app"})),
}
KINDS: Final[tuple[str, ...]] = tuple(DEFAULTS)


class NotificationInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One notification of the caller's: ``url`` is a path on this server; ``read_at`` is null while unread."""

    id: UUID
    kind: str
    priority: Priority
    title: str
    body: str
    url: str
    project_id: UUID | None
    actor_id: UUID | None
    created_at: datetime
    read_at: datetime | None


class NotificationList(msgspec.Struct, frozen=True, kw_only=True):
    """A page of notifications, newest first; pass ``next_cursor`` as ``cursor`` for the next (null: no more)."""

    items: list[NotificationInfo]
    unread: int
    next_cursor: str | None = None


class UnreadCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many notifications the caller has not read; ``changed`` how many a mark-read call changed."""

    unread: int
    changed: int = 0


class PreferenceSetting(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Whether notifications of ``kind`` go to ``channel``."""

    kind: str
    channel: str
    enabled: bool


class WebhookInfo(msgspec.Struct, frozen=True, kw_only=True):
    """Whether a webhook address is stored for ``channel``; the address itself is a secret and never shown."""

    channel: Channel
    configured: bool


class Preferences(msgspec.Struct, frozen=True, kw_only=True):
    """Every kind and channel setting (the defaults where the user chose nothing) and the webhooks stored."""

    settings: list[PreferenceSetting]
    webhooks: list[WebhookInfo]


class PreferencesUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings to change (others stay) and webhook addresses: an https URL to store, ``""`` to remove, or leave
    a channel out to keep what is stored."""

    settings: list[PreferenceSetting] = msgspec.field(default_factory=list)
    slack_webhook_url: str | None = None
    discord_webhook_url: str | None = None
