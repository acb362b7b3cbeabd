"""Live updates without the web framework: domain events turned into numbered :class:`LiveEvent` s, and the bounded
per-project history that ``Last-Event-ID`` replays from (in memory, or in Redis shared by every app instance)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Final, Protocol, cast
from uuid import UUID

import msgspec

from app.domain.comments.services import CommentEvent
from app.domain.live.schemas import EventHead, LiveEntity, LiveEvent
from app.domain.projects.services import PlanRevisionEvent
from app.lib import events

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["EventLog", "MemoryEventLog", "Missed", "RedisEventLog", "channel_of", "live_fields", "read_head"]

Missed = list[tuple[int, bytes]]
"""Encoded events with their ids, oldest first."""

_EXPIRE_SECONDS: Final = 7 * 24 * 3600  # a project quiet for a week starts a fresh history (clients get a reset)


def channel_of(project_id: UUID) -> str:
    """The Channels channel of a project's events."""
    return f"project:{project_id}"


def read_head(data: bytes) -> EventHead:
    """The id and type of an encoded :class:`LiveEvent`."""
    return msgspec.json.decode(data, type=EventHead)


def live_fields(event: events.DomainEvent) -> tuple[UUID, LiveEntity | None, dict[str, Any]] | None:
    """The project, item and data a live event shows for ``event``, or None when it is not a project's event."""
    if isinstance(event, CommentEvent):
        return event.project_id, LiveEntity(type=event.entity_type, id=event.entity_id), {
            "project_key": event.project_key, "comment_id": str(event.comment_id), "thread_id": str(event.thread_id),
            "author_id": _text(event.author_id), "actor_id": _text(event.actor_id),
            "microstep_id": event.microstep_id}
    if isinstance(event, PlanRevisionEvent):
        return event.project_id, None, {
            "project_key": event.project_key, "revision": event.revision, "actor_id": _text(event.actor_id),
            "status_changes": {item: {"from": old, "to": new} for item, (old, new) in event.status_changes.items()},
            "truncated": event.truncated}
    return None


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _encode(number: int, project_id: UUID, event: events.DomainEvent, entity: LiveEntity | None,
            data: dict[str, Any]) -> bytes:
    return msgspec.json.encode(LiveEvent(id=number, type=event.name, project=str(project_id), entity=entity,
                                         data=data, at=event.occurred_at))


def _missed(entries: Missed, last_id: int, latest: int) -> Missed | None:
    """The entries after ``last_id``, or None when the client cannot be caught up (it missed more than the history
    holds, or its id is from before a restart of the numbering)."""
    if last_id > latest:
        return None
    after = [(number, data) for number, data in entries if number > last_id]
    if last_id < latest and (not after or after[0][0] != last_id + 1):
        return None
    return after


class EventLog(Protocol):
    """Numbers each project's events and keeps the last ones for replay."""

    async def append(self, project_id: UUID, event: events.DomainEvent, entity: LiveEntity | None,
                     data: dict[str, Any]) -> bytes:
        """Number ``event``, keep it, and return it encoded as a :class:`LiveEvent`."""
        ...

    async def since(self, project_id: UUID, last_id: int) -> Missed | None:
        """The events after ``last_id``, or None when they are no longer all kept (the client must reload)."""
        ...

    async def recent(self, project_id: UUID) -> Missed:
        """Every event still kept, oldest first."""
        ...


class MemoryEventLog:
    """The embedded mode's log: numbers and the last ``size`` events per project, in this process."""

    def __init__(self, size: int) -> None:
        """Keep ``size`` events per project."""
        self._size = size
        self._latest: dict[UUID, int] = {}
        self._entries: dict[UUID, deque[tuple[int, bytes]]] = {}

    async def append(self, project_id: UUID, event: events.DomainEvent, entity: LiveEntity | None,
                     data: dict[str, Any]) -> bytes:
        """See :meth:`EventLog.append`."""
        number = self._latest.get(project_id, 0) + 1
        self._latest[project_id] = number
        encoded = _encode(number, project_id, event, entity, data)
        self._entries.setdefault(project_id, deque(maxlen=self._size)).append((number, encoded))
        return encoded

    async def since(self, project_id: UUID, last_id: int) -> Missed | None:
        """See :meth:`EventLog.since`."""
        return _missed(list(self._entries.get(project_id, ())), last_id, self._latest.get(project_id, 0))

    async def recent(self, project_id: UUID) -> Missed:
        """See :meth:`EventLog.recent`."""
        return list(self._entries.get(project_id, ()))


class RedisEventLog:
    """The production log, shared by every app instance: ``INCR`` numbers the events and a sorted set scored by
    number keeps the last ``size`` of them."""

    def __init__(self, redis: Redis, size: int, *, prefix: str = "br:live") -> None:
        """Use ``redis``; keep ``size`` events per project under keys starting with ``prefix``."""
        self._redis = redis
        self._size = size
        self._prefix = prefix

    def _keys(self, project_id: UUID) -> tuple[str, str]:
        return f"{self._prefix}:{project_id}:seq", f"{self._prefix}:{project_id}:log"

    async def append(self, project_id: UUID, event: events.DomainEvent, entity: LiveEntity | None,
                     data: dict[str, Any]) -> bytes:
        """See :meth:`EventLog.append`."""
        seq, log = self._keys(project_id)
        number = int(await self._redis.incr(seq))
        encoded = _encode(number, project_id, event, entity, data)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(log, {encoded: number})
            pipe.zremrangebyrank(log, 0, -self._size - 1)
            pipe.expire(seq, _EXPIRE_SECONDS)
            pipe.expire(log, _EXPIRE_SECONDS)
            await pipe.execute()
        return encoded

    async def since(self, project_id: UUID, last_id: int) -> Missed | None:
        """See :meth:`EventLog.since`."""
        seq, log = self._keys(project_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(seq)
            pipe.zrangebyscore(log, f"({last_id}", "+inf", withscores=True)
            latest, rows = await pipe.execute()
        entries = [(int(score), bytes(member)) for member, score in rows]
        return _missed(entries, last_id, int(latest or 0))

    async def recent(self, project_id: UUID) -> Missed:
        """See :meth:`EventLog.recent`."""
        _seq, log = self._keys(project_id)
        rows = cast("list[tuple[bytes, float]]", await self._redis.zrangebyscore(log, "-inf", "+inf", withscores=True))
        return [(int(score), bytes(member)) for member, score in rows]
