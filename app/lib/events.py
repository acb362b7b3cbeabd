"""Domain events: an in-process, synchronous publisher that later features (live updates, notifications) hook.

A service publishes an event after its transaction commits; every subscriber whose prefix matches the event's
``name`` is awaited in turn, in the order it subscribed. A subscriber that raises is logged and skipped: an event
never breaks the request that published it. Subscribers run inside the request, so they must be quick (hand slow
work to a job). Register them once at application startup::

    from app.lib import events

    async def on_comment(event: events.DomainEvent) -> None: ...

    events.subscribe(on_comment, prefix="comment.")

Framework-free on purpose: the services publish without knowing who listens.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Final

import msgspec

from app.lib import clock

__all__ = ["DomainEvent", "EventBus", "Subscriber", "bus", "publish", "subscribe"]

logger = logging.getLogger("buildrunner.events")


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Something that happened; subclasses add their facts. ``name`` is dotted: ``comment.created``."""

    name: str
    occurred_at: datetime = msgspec.field(default_factory=clock.now)


Subscriber = Callable[[DomainEvent], Awaitable[None]]


class EventBus:
    """Subscribers by name prefix, awaited one after the other on :meth:`publish`."""

    def __init__(self) -> None:
        """Start with no subscribers."""
        self._subscribers: list[tuple[str, Subscriber]] = []

    def subscribe(self, callback: Subscriber, *, prefix: str = "") -> Callable[[], None]:
        """Call ``callback`` for every event whose name starts with ``prefix`` (``""``: every event).

        Returns:
            A function that removes this subscription (tests and app shutdown use it).
        """
        entry = (prefix, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)

        return unsubscribe

    async def publish(self, event: DomainEvent) -> None:
        """Hand ``event`` to each matching subscriber; a failing one is logged and the others still run."""
        for prefix, callback in list(self._subscribers):
            if not event.name.startswith(prefix):
                continue
            try:
                await callback(event)
            except Exception:  # a subscriber's bug must not fail the request that published the event
                logger.exception("subscriber %r failed on %s", callback, event.name)

    def clear(self) -> None:
        """Remove every subscriber."""
        self._subscribers.clear()


bus: Final = EventBus()
"""The process-wide bus the services publish on."""


def subscribe(callback: Subscriber, *, prefix: str = "") -> Callable[[], None]:
    """Subscribe to the process-wide bus (see :meth:`EventBus.subscribe`)."""
    return bus.subscribe(callback, prefix=prefix)


async def publish(event: DomainEvent) -> None:
    """Publish on the process-wide bus (see :meth:`EventBus.publish`)."""
    await bus.publish(event)
