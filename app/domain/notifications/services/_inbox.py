"""A user's own notifications: list them (newest first, by cursor), count the unread, mark them read.

Every query is limited to the caller's rows (and, for an API key bound to one organization, that organization's):
someone else's notification is "not found", never "forbidden", so ids reveal nothing.
"""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Notification
from app.domain.accounts.schemas import Principal
from app.domain.notifications.schemas import PRIORITIES, NotificationInfo, NotificationList, Priority
from app.lib import clock
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "NotificationService", "check_priority"]

DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100


def check_priority(value: str | None) -> Priority | None:
    """A priority filter: ``None`` or ``""`` for any, else one of :data:`PRIORITIES`.

    Raises:
        ValidationFailed: naming ``priority``.
    """
    if not value:
        return None
    for known in PRIORITIES:
        if value == known:
            return known
    raise ValidationFailed("priority", _("use one of %(choices)s, or leave it out for every priority")
                           % {"choices": ", ".join(PRIORITIES)})


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("limit", _("use a whole number from 1 to %(max)d") % {"max": MAX_LIMIT})
    return limit


def _check_cursor(cursor: str | None) -> UUID | None:
    if not cursor:
        return None
    try:
        return UUID(cursor)
    except ValueError:
        raise ValidationFailed("cursor", _("use the next_cursor of the previous page, or leave it out for the "
                                           "first page")) from None


def info_of(row: Notification) -> NotificationInfo:
    """The API and page view of a notification row."""
    priority = check_priority(row.priority) or "normal"
    return NotificationInfo(id=row.id, kind=row.kind, priority=priority, title=row.title, body=row.body,
                            url=row.url, project_id=row.project_id, actor_id=row.actor_id, created_at=row.created_at,
                            read_at=row.read_at)


class NotificationService:
    """The caller's notifications."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    @staticmethod
    def _mine(actor: Principal) -> list[ColumnElement[bool]]:
        where = [Notification.user_id == actor.user_id, Notification.in_app.is_(True)]
        if actor.organization_id is not None:  # a key bound to one organization sees only that one's
            where.append(Notification.organization_id == actor.organization_id)
        return where

    async def unread_count(self, actor: Principal) -> int:
        """How many of the caller's notifications are unread."""
        query = select(func.count()).select_from(Notification).where(*self._mine(actor),
                                                                       Notification.read_at.is_(None))
        return await self.db.scalar(query) or 0

    async def listing(self, actor: Principal, *, unread: bool = False, priority: str | None = None,
                   limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> NotificationList:
        """A page of the caller's notifications, newest first.

        Args:
            actor: whose notifications.
            unread: only unread ones.
            priority: only this priority (``low``, ``normal``, ``high``, ``urgent``).
            limit: at most this many (1 to 100).
            cursor: the ``next_cursor`` of the page before (ids are time-ordered UUIDv7s, so "older" is "smaller").

        Raises:
            ValidationFailed: a bad ``priority``, ``limit`` or ``cursor``, naming it.
        """
        wanted, limit, before = check_priority(priority), _check_limit(limit), _check_cursor(cursor)
        where = self._mine(actor)
        if unread:
            where.append(Notification.read_at.is_(None))
        if wanted is not None:
            where.append(Notification.priority == wanted)
        if before is not None:
            where.append(Notification.id < before)
        rows = list(await self.db.scalars(select(Notification).where(*where)
                                          .order_by(Notification.id.desc()).limit(limit + 1)))
        more = len(rows) > limit
        items = [info_of(row) for row in rows[:limit]]
        return NotificationList(items=items, unread=await self.unread_count(actor),
                                next_cursor=str(items[-1].id) if more else None)

    async def mark_read(self, actor: Principal, notification_id: str | UUID) -> NotificationInfo:
        """Mark one of the caller's notifications read (a read one stays as it is).

        Raises:
            NotFound: no such notification of the caller's.
        """
        row = await self._row(actor, notification_id)
        if row.read_at is None:
            row.read_at = clock.now()
            await self.db.commit()
        return info_of(row)

    async def mark_all_read(self, actor: Principal) -> int:
        """Mark every unread notification of the caller's read; returns how many changed."""
        result: Any = await self.db.execute(
            update(Notification).where(and_(*self._mine(actor), Notification.read_at.is_(None)))
            .values(read_at=clock.now(), updated_at=clock.now()).execution_options(synchronize_session=False))
        await self.db.commit()
        return int(result.rowcount or 0)

    async def _row(self, actor: Principal, notification_id: str | UUID) -> Notification:
        wanted = notification_id if isinstance(notification_id, UUID) else _as_uuid(notification_id)
        row = None if wanted is None else await self.db.scalar(
            select(Notification).where(Notification.id == wanted, *self._mine(actor)))
        if row is None:
            raise NotFound(_("you have no notification %(id)s") % {"id": str(notification_id)[:64]})
        return row


def _as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
