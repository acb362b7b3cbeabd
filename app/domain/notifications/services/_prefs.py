"""Per-user notification preferences: which kinds go to which channels, and the Slack and Discord webhook addresses.

A missing row means the kind's default (:data:`~app.domain.notifications.schemas.DEFAULTS`), so new kinds start
sensible for everyone and only the choices people made are stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import NotificationPreference, NotificationWebhook
from app.domain.accounts.schemas import Principal
from app.domain.notifications.schemas import (
    CHANNELS,
    DEFAULTS,
    KINDS,
    WEBHOOK_CHANNELS,
    Channel,
    Preferences,
    PreferenceSetting,
    PreferencesUpdate,
    WebhookInfo,
)
from app.domain.notifications.services._secrets import WebhookCipher
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["PreferenceService", "check_webhook"]

_CONTROL: Final = re.compile(r"[\x00-\x20\x7f]")
# Only the services' own hosts: the server posts to these addresses, so an arbitrary URL would let any user make
# it call into the private network (SSRF).
_WEBHOOK_HOSTS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "slack": (frozenset({"hooks.slack.com"}), "/services/"),
    "discord": (frozenset({"discord.com", "discordapp.com"}), "/api/webhooks/"),
}


def check_webhook(field: str, channel: str, url: str) -> str:
    """A trimmed incoming-webhook address for ``channel``, or ``""`` (remove it).

    Raises:
        ValidationFailed: naming ``field``: not an absolute https URL of the service's webhook host.
    """
    reject_nul(field, url)
    url = url.strip()
    if not url:
        return ""
    hosts, prefix = _WEBHOOK_HOSTS[channel]
    parts = None if _CONTROL.search(url) or len(url) > 2000 else urlsplit(url)
    ok = (parts is not None and parts.scheme == "https" and parts.hostname in hosts and parts.username is None
          and parts.port is None and parts.path.startswith(prefix))
    if not ok:
        example = f"https://{min(hosts)}{prefix}…"
        raise ValidationFailed(field, _("give the incoming-webhook address the service showed you: an https URL "
                                        "starting %(example)s (at most 2000 characters)") % {"example": example})
    return url


def _check_settings(settings: Iterable[PreferenceSetting]) -> list[PreferenceSetting]:
    checked = []
    for index, item in enumerate(settings):
        if item.kind not in DEFAULTS:
            raise ValidationFailed(f"settings[{index}].kind", _("use one of %(choices)s")
                                   % {"choices": ", ".join(KINDS)})
        offered = DEFAULTS[item.kind].offered
        if item.channel not in offered:
            raise ValidationFailed(f"settings[{index}].channel", _("for %(kind)s use one of %(choices)s")
                                   % {"kind": item.kind, "choices": ", ".join(c for c in CHANNELS if c in offered)})
        checked.append(item)
    return checked


class PreferenceService:
    """Read and change the caller's preferences; the notifier asks it who wants what."""

    def __init__(self, db: AsyncSession, cipher: WebhookCipher | None = None) -> None:
        """Bind to a database session; ``cipher`` (from the secret key) is needed to store or read webhooks."""
        self.db = db
        self.cipher = cipher

    async def get(self, actor: Principal) -> Preferences:
        """Every kind and channel setting of the caller's (defaults filled in) and which webhooks are stored."""
        chosen = await self._chosen([actor.user_id])
        settings = [PreferenceSetting(kind=kind, channel=channel,
                                      enabled=chosen.get((actor.user_id, kind, channel),
                                                         channel in DEFAULTS[kind].channels))
                    for kind in KINDS for channel in CHANNELS if channel in DEFAULTS[kind].offered]
        stored = set(await self.db.scalars(select(NotificationWebhook.channel)
                                           .where(NotificationWebhook.user_id == actor.user_id)))
        webhooks = [WebhookInfo(channel=channel, configured=channel in stored) for channel in WEBHOOK_CHANNELS]
        return Preferences(settings=settings, webhooks=webhooks)

    async def update(self, actor: Principal, data: PreferencesUpdate) -> Preferences:
        """Change the given settings and webhooks; everything is checked before anything is written.

        Raises:
            ValidationFailed: an unknown kind or channel (``settings[2].kind``) or a bad webhook address
                (``slack_webhook_url``); nothing changes.
        """
        settings = _check_settings(data.settings)
        hooks: dict[Channel, str] = {}
        given: tuple[tuple[Channel, str | None], ...] = (("slack", data.slack_webhook_url),
                                                          ("discord", data.discord_webhook_url))
        for channel, url in given:
            if url is not None:
                hooks[channel] = check_webhook(f"{channel}_webhook_url", channel, url)
        if hooks and self.cipher is None:
            raise ValidationFailed("webhooks", _("webhooks cannot be stored here; use the settings page"))
        await self._store_settings(actor.user_id, {(item.kind, item.channel): item.enabled for item in settings})
        await self._store_hooks(actor.user_id, hooks)
        await self.db.commit()
        return await self.get(actor)

    async def _store_settings(self, user_id: UUID, wanted: dict[tuple[str, str], bool]) -> None:
        existing = {(row.kind, row.channel): row for row in await self.db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
        for (kind, channel), enabled in wanted.items():
            row = existing.get((kind, channel))
            if row is None:
                self.db.add(NotificationPreference(user_id=user_id, kind=kind, channel=channel, enabled=enabled))
            else:
                row.enabled = enabled

    async def _store_hooks(self, user_id: UUID, hooks: dict[Channel, str]) -> None:
        for channel, url in hooks.items():
            await self.db.execute(delete(NotificationWebhook).where(NotificationWebhook.user_id == user_id,
                                                                     NotificationWebhook.channel == channel))
            if url and self.cipher is not None:
                self.db.add(NotificationWebhook(user_id=user_id, channel=channel,
                                                url_encrypted=self.cipher.encrypt(url)))

    async def _chosen(self, user_ids: list[UUID]) -> dict[tuple[UUID, str, str], bool]:
        rows = await self.db.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.channel,
                   NotificationPreference.enabled).where(NotificationPreference.user_id.in_(user_ids)))
        return {(user_id, kind, channel): enabled for user_id, kind, channel, enabled in rows}

    async def channels_for(self, user_ids: Iterable[UUID], kind: str) -> dict[UUID, set[Channel]]:
        """The channels each user wants notifications of ``kind`` on."""
        wanted = list(dict.fromkeys(user_ids))
        chosen = await self._chosen(wanted) if wanted else {}
        default, offered = DEFAULTS[kind].channels, DEFAULTS[kind].offered
        return {user_id: {channel for channel in offered
                          if chosen.get((user_id, kind, channel), channel in default)} for user_id in wanted}

    async def webhooks(self, user_ids: Iterable[UUID], channel: Channel) -> dict[UUID, str]:
        """The readable webhook address for ``channel`` of each user who stored one."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted or self.cipher is None:
            return {}
        rows = await self.db.execute(select(NotificationWebhook.user_id, NotificationWebhook.url_encrypted).where(
            NotificationWebhook.user_id.in_(wanted), NotificationWebhook.channel == channel))
        found = {user_id: self.cipher.decrypt(token) for user_id, token in rows}
        return {user_id: url for user_id, url in found.items() if url}
