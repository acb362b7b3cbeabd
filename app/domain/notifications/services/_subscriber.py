"""The domain-event listener that turns comments, approvals and status changes into notifications.

It runs inside the request that published the event, after that request's commit, in a short session of its own
(the request's session has finished its transaction, and a failure here must not touch it): read the facts, insert
the notifications and their deliveries, commit, then kick the delivery queue. Sending happens in jobs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.comments.services import CommentEvent
from app.domain.deliveries.services import kick
from app.domain.governance.services import ApprovalEvent
from app.domain.notifications.services._drafts import Planned, approval_drafts, comment_drafts, status_drafts
from app.domain.notifications.services._notify import Notifier
from app.domain.notifications.services._secrets import WebhookCipher
from app.domain.projects.services import PlanRevisionEvent
from app.lib import events

__all__ = ["NotificationSubscriber"]


class NotificationSubscriber:
    """Subscribes to ``comment.*``, ``approval.*`` and ``plan.revision`` between app startup and shutdown."""

    def __init__(self, sessions: Callable[[], AsyncSession], *, secret_key: str, base_url: str) -> None:
        """Open sessions with ``sessions``; ``secret_key`` reads webhook addresses, ``base_url`` makes links."""
        self.sessions = sessions
        self.cipher = WebhookCipher(secret_key)
        self.base_url = base_url
        self._unsubscribe: list[Callable[[], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def on_startup(self) -> None:
        """Start listening (called on the app's event loop)."""
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = [events.subscribe(self.on_event, prefix=prefix)
                             for prefix in ("comment.", "approval.", "plan.revision")]

    def on_shutdown(self) -> None:
        """Stop listening."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    async def on_event(self, event: events.DomainEvent) -> None:
        """Notify the people ``event`` concerns."""
        if asyncio.get_running_loop() is not self._loop:
            # The bus is one per process, but the session maker's pooled connections belong to the app's loop: an
            # event published on another loop (a script or test driving the services while an app runs in another
            # thread) is not this app's to handle, and its connections must not cross loops.
            return
        if isinstance(event, CommentEvent):
            await self._run(lambda db: comment_drafts(db, event))
        elif isinstance(event, ApprovalEvent):
            await self._run(lambda db: approval_drafts(db, event))
        elif isinstance(event, PlanRevisionEvent):
            await self._run(lambda db: status_drafts(db, event))

    async def _run(self, plan: Callable[[AsyncSession], Awaitable[Planned]]) -> None:
        async with self.sessions() as db:
            notifier = Notifier(db, self.cipher, self.base_url)
            scheduled = 0
            for recipients, draft in await plan(db):
                scheduled += await notifier.notify(recipients, draft)
            await db.commit()
        if scheduled:
            await kick()
