"""The SSE side of live updates: a :class:`LiveHub` per app, which numbers each domain event of a project, publishes it
on the project's Channels channel, and streams a channel to one client with replay, heartbeats and a bounded backlog.

Channels carries the events between app instances (Redis pub/sub with ``BR_REDIS_URL``, memory otherwise); the
:class:`~app.domain.live.services.EventLog` numbers them and keeps the history that ``Last-Event-ID`` replays.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import msgspec
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.response.sse import ServerSentEventMessage

from app.domain.live.presence import MemoryPresence, PresenceStore, RedisPresence, Viewer
from app.domain.live.schemas import LiveEntity, PresenceEvent
from app.domain.live.services import EventLog, MemoryEventLog, RedisEventLog, channel_of, live_fields, read_head
from app.lib import clock, events
from app.server.settings import Settings

__all__ = ["HUB_STATE_KEY", "RETRY_MS", "LiveHub", "Signal", "live_hub"]

HUB_STATE_KEY: Final = "live_hub"
RETRY_MS: Final = 3000  # how long an EventSource waits before reconnecting
logger = logging.getLogger("buildrunner.live")


class LiveHub:
    """Domain events in, per-project SSE streams out (one hub per app instance)."""

    def __init__(self, settings: Settings) -> None:
        """Pick the backends for ``settings``: Redis when ``redis_url`` is set, else memory."""
        self.heartbeat = settings.live_heartbeat_seconds
        self.backlog = settings.live_backlog
        self._redis: Any = None
        self._pubsub_redis: Any = None
        self.log: EventLog
        if settings.redis_url:
            from redis.asyncio import Redis  # noqa: PLC0415  (only production needs the client)

            # Two clients: the log's commands run inside requests, so a Redis that stops answering must fail them
            # fast (the bus logs it and the request goes on); the pub/sub listener blocks on reads by design.
            self._redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            self._pubsub_redis = Redis.from_url(settings.redis_url)
            backend: Any = RedisChannelsPubSubBackend(redis=self._pubsub_redis, key_prefix="br:live:channels")
            self.log = RedisEventLog(self._redis, settings.live_history)
            self.presence: PresenceStore = RedisPresence(self._redis)
        else:
            backend = MemoryChannelsBackend()
            self.log = MemoryEventLog(settings.live_history)
            self.presence = MemoryPresence()
        # A full backlog costs only that subscriber events (nobody else waits for it); its stream then ends with
        # ``event: overflow`` (see :meth:`stream`). "dropleft", not "backoff": with "backoff" the queue is a bounded
        # asyncio.Queue, and Litestar's unsubscribe awaits ``put(None)`` on it, so leaving a full one hangs forever.
        self.plugin = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True,
                                     subscriber_max_backlog=settings.live_backlog,
                                     subscriber_backlog_strategy="dropleft")
        self._unsubscribe: Callable[[], None] | None = None

    def on_startup(self) -> None:
        """Start listening to the domain events."""
        self._unsubscribe = events.subscribe(self.on_domain_event)

    async def on_shutdown(self) -> None:
        """Stop listening and close the Redis client."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for client in (self._redis, self._pubsub_redis):
            if client is not None:
                await client.aclose()

    async def on_domain_event(self, event: events.DomainEvent) -> None:
        """Number a project's event, keep it for replay and publish it on the project's channel."""
        fields = live_fields(event)
        if fields is None:
            return
        project_id, entity, data = fields
        encoded = await self.log.append(project_id, event, entity, data)
        self.plugin.publish(encoded, channel_of(project_id))

    async def publish_presence(self, project_id: UUID, change: str, viewer: Viewer) -> None:
        """Publish who is viewing and typing now, after ``viewer``'s ``change`` (join, leave or typing)."""
        snapshot = await self.presence.snapshot(project_id)
        kind, _, ident = viewer.entity.partition(":")
        event = PresenceEvent(project=str(project_id), entity=LiveEntity(type=kind, id=ident) if ident else None,
                              at=clock.now(), data={"change": {"kind": change, **msgspec.structs.asdict(viewer)},
                                                    **msgspec.structs.asdict(snapshot)})
        self.plugin.publish(msgspec.json.encode(event), channel_of(project_id))

    async def items(self, project_id: UUID, last_event_id: int | None, *, follow: bool = True,
                    since: datetime | None = None) -> AsyncGenerator[bytes | Signal]:
        """A project's stream for one client, before it is framed: :attr:`Signal.CONNECTED`, the encoded events it
        missed after ``last_event_id`` (or :attr:`Signal.RESET` when they are no longer kept), or without one, the
        kept events that happened at or after ``since`` (a page rendered then), then (``follow``) new ones as they
        happen, a heartbeat every ``heartbeat`` seconds when idle, and :attr:`Signal.OVERFLOW` before ending when the
        client fell ``backlog`` events behind."""
        async with self.plugin.start_subscription(channel_of(project_id)) as subscriber:
            yield Signal.CONNECTED
            replayed: set[int | None] = set()  # the live events already sent from the history
            if last_event_id is not None:
                missed = await self.log.since(project_id, last_event_id)
                if missed is None:
                    yield Signal.RESET
                else:
                    for number, data in missed:
                        replayed.add(number)
                        yield data
            elif since is not None:  # the events between the page's render and this connection
                for number, data in await self.log.recent(project_id):
                    at = read_head(data).at
                    if at is not None and at >= since:
                        replayed.add(number)
                        yield data
            if not follow:
                return
            # aclosing: leaving early (overflow, or the client went away) cancels the pending read at once.
            async with contextlib.aclosing(self._live(subscriber.iter_events(),
                                                      subscriber_size=lambda: subscriber.qsize)) as live:
                async for item in live:
                    if isinstance(item, Signal):
                        yield item
                        if item is Signal.OVERFLOW:
                            return
                    elif read_head(item).id not in replayed:  # presence (no id) is never replayed
                        yield item

    async def stream(self, project_id: UUID, last_event_id: int | None, *,
                     follow: bool = True) -> AsyncGenerator[ServerSentEventMessage]:
        """The JSON SSE messages of :meth:`items`: ``event: reset`` / ``event: overflow`` say reload or reconnect."""
        async with contextlib.aclosing(self.items(project_id, last_event_id, follow=follow)) as items:
            async for item in items:
                if item is Signal.CONNECTED:
                    yield ServerSentEventMessage(retry=RETRY_MS, comment="connected")
                elif item is Signal.HEARTBEAT:
                    yield ServerSentEventMessage(comment="heartbeat")
                elif isinstance(item, Signal):
                    yield ServerSentEventMessage(event=item.value, data='{"reload": true}')
                else:
                    yield _message(item)

    async def _live(self, items: AsyncIterator[bytes], *,
                    subscriber_size: Callable[[], int]) -> AsyncGenerator[bytes | Signal]:
        """``items``, with a heartbeat after each idle ``heartbeat`` seconds and an overflow once the subscriber's
        backlog is full (the next event would push out one it has not sent, so the client would silently miss it)."""
        pending: asyncio.Future[bytes] | None = None
        try:
            while True:
                if subscriber_size() >= self.backlog:
                    yield Signal.OVERFLOW
                    return
                if pending is None:
                    pending = asyncio.ensure_future(anext(items))
                done, _ = await asyncio.wait({pending}, timeout=self.heartbeat)
                if not done:
                    yield Signal.HEARTBEAT
                    continue
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                yield item
        finally:
            if pending is not None:
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await pending


class Signal(enum.Enum):
    """What a stream says besides events."""

    CONNECTED = "connected"
    RESET = "reset"
    HEARTBEAT = "heartbeat"
    OVERFLOW = "overflow"


def _message(data: bytes) -> ServerSentEventMessage:
    head = read_head(data)
    return ServerSentEventMessage(id=head.id, event=head.type, data=data.decode("utf-8"))


def live_hub(app: Litestar) -> LiveHub:
    """The app's hub."""
    hub: LiveHub = app.state[HUB_STATE_KEY]
    return hub
