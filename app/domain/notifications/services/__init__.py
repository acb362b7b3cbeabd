"""Notification services (framework-free): the caller's notifications and preferences, and the event listener that
creates notifications and schedules their email, Slack and Discord deliveries."""

from __future__ import annotations

from app.domain.notifications.services._inbox import DEFAULT_LIMIT, MAX_LIMIT, NotificationService, check_priority
from app.domain.notifications.services._notify import Draft, Notifier
from app.domain.notifications.services._prefs import PreferenceService, check_webhook
from app.domain.notifications.services._secrets import WebhookCipher
from app.domain.notifications.services._subscriber import NotificationSubscriber

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Draft",
    "NotificationService",
    "NotificationSubscriber",
    "Notifier",
    "PreferenceService",
    "WebhookCipher",
    "check_priority",
    "check_webhook",
]
