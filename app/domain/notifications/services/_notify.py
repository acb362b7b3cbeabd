"""Creating notifications: one row per recipient who wants the kind in any channel, and a delivery per external
channel they chose (email, Slack, Discord), all in the caller's transaction.

The actor never hears of their own change, and only members of the organization are notified (a watcher who has
since left it hears nothing). Each row is unique by ``(user_id, dedup_key)`` and inserted with ``ON CONFLICT DO
NOTHING``, so the same event handled twice (a retry, two app instances) creates nothing the second time, and only a
row created now schedules deliveries, whose own key (``notification:<id>:<channel>``) is unique as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final
from uuid import UUID

import msgspec
import uuid_utils.compat as uuid_utils
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Membership, Notification, User
from app.domain.deliveries.services import DeliveryMessage, DeliveryService
from app.domain.notifications.schemas import DEFAULTS, Channel, Priority
from app.domain.notifications.services._prefs import PreferenceService
from app.domain.notifications.services._secrets import WebhookCipher
from app.lib import clock

__all__ = ["Draft", "Notifier", "shorten"]

_TITLE_MAX: Final = 300
_BODY_MAX: Final = 1000


def shorten(text: str, limit: int) -> str:
    """``text`` on one line of at most ``limit`` characters, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A notification to create for several people: ``url`` is a local path, ``dedup_key`` names the event and
    the reason (the same for every recipient; uniqueness is per user)."""

    kind: str
    organization_id: UUID
    project_id: UUID | None
    title: str
    body: str
    url: str
    actor_id: UUID | None
    dedup_key: str
    priority: Priority | None = None


class Notifier:
    """Writes notifications and schedules their deliveries; the caller commits, then kicks the delivery queue."""

    def __init__(self, db: AsyncSession, cipher: WebhookCipher | None, base_url: str) -> None:
        """Bind to a session; ``cipher`` reads webhook addresses, ``base_url`` makes links absolute for deliveries."""
        self.db = db
        self.prefs = PreferenceService(db, cipher)
        self.base_url = base_url.rstrip("/")

    async def notify(self, recipients: Iterable[UUID], draft: Draft) -> int:
        """Notify each recipient (not the actor) as they prefer.

        Returns:
            How many deliveries were scheduled (kick the queue after the commit when there are any).
        """
        wanted = [user_id for user_id in dict.fromkeys(recipients) if user_id != draft.actor_id]
        if not wanted:
            return 0
        rows = await self.db.execute(
            select(User.id, User.email).join(Membership, Membership.user_id == User.id)
            .where(Membership.organization_id == draft.organization_id, User.id.in_(wanted)))
        emails = {user_id: email for user_id, email in rows}
        channels = await self.prefs.channels_for([user_id for user_id in wanted if user_id in emails], draft.kind)
        channels = {user_id: chosen for user_id, chosen in channels.items() if chosen}
        created = await self._insert(draft, channels)
        return await self._schedule(draft, created, channels, emails)

    async def _insert(self, draft: Draft, channels: dict[UUID, set[Channel]]) -> dict[UUID, UUID]:
        """Insert the rows that do not exist yet; returns the new notification id of each user who got one."""
        if not channels:
            return {}
        now = clock.now()
        priority = draft.priority or DEFAULTS[draft.kind].priority
        common: dict[str, Any] = {
            "organization_id": draft.organization_id, "project_id": draft.project_id, "kind": draft.kind,
            "priority": priority, "title": shorten(draft.title, _TITLE_MAX), "body": shorten(draft.body, _BODY_MAX),
            "url": draft.url[:1000], "actor_id": draft.actor_id, "dedup_key": draft.dedup_key[:200],
            "read_at": None, "created_at": now, "updated_at": now,
        }
        rows = [{**common, "id": uuid_utils.uuid7(), "user_id": user_id, "in_app": "in_app" in chosen}
                for user_id, chosen in channels.items()]
        insert = pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert
        result = await self.db.execute(insert(Notification).values(rows).on_conflict_do_nothing()
                                       .returning(Notification.user_id, Notification.id))
        return {user_id: notification_id for user_id, notification_id in result}

    async def _schedule(self, draft: Draft, created: dict[UUID, UUID], channels: dict[UUID, set[Channel]],
                        emails: dict[UUID, str]) -> int:
        if not created:
            return 0
        url = f"{self.base_url}{draft.url}"
        message = DeliveryMessage(subject=shorten(draft.title, _TITLE_MAX),
                                  text=f"{shorten(draft.body, _BODY_MAX)}\n\n{url}".lstrip(), url=url,
                                  priority=draft.priority or DEFAULTS[draft.kind].priority)
        targets: dict[Channel, dict[UUID, str]] = {"email": emails}
        for channel in ("slack", "discord"):
            if any(channel in channels[user_id] for user_id in created):
                targets[channel] = await self.prefs.webhooks(created, channel)
        deliveries = DeliveryService(self.db)
        scheduled = 0
        for user_id, notification_id in created.items():
            for channel, by_user in targets.items():
                target = by_user.get(user_id)
                if channel not in channels[user_id] or not target:
                    continue
                key = f"notification:{notification_id}:{channel}"
                scheduled += await deliveries.schedule(channel=channel, target=target, message=message,
                                                       dedup_key=key, organization_id=draft.organization_id)
        return scheduled
