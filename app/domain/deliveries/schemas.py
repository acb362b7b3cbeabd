"""What a delivery carries, and the names of channels, statuses and priorities."""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["CHANNELS", "PRIORITIES", "STATUSES", "DeliveryMessage"]

CHANNELS: Final = ("email", "slack", "discord")
STATUSES: Final = ("pending", "sending", "sent", "failed")
PRIORITIES: Final = ("low", "normal", "high", "urgent")


class DeliveryMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message, rendered by each channel in its own format."""

    subject: str
    """The email subject; the first (bold) line in a chat message."""
    text: str
    """Plain text body (Markdown-ish is fine for Slack and Discord)."""
    url: str | None = None
    """An absolute link to the thing the message is about."""
    priority: str = "normal"
    """low, normal, high or urgent."""
