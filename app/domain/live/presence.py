"""Presence without the web framework: who has a page of a project open (per connection), and who is typing in which
comment box, with expiry, in memory (embedded mode) or in Redis hashes shared by every app instance.

Entries carry their own deadline instead of relying on per-field expiry (``HEXPIRE`` needs Redis 7.4): reads drop
what has expired, and each write pushes the whole hash's ``EXPIRE`` forward so an abandoned project's keys go away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal, Protocol
from uuid import UUID

import msgspec

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["PRESENCE_TTL", "TYPING_EVERY", "TYPING_TTL", "MemoryPresence", "PresenceStore", "RedisPresence", "Snapshot",
           "Typing", "Viewer"]

PRESENCE_TTL: Final = 45.0  # a page heartbeats every 20 s: two missed heartbeats and the viewer is gone
TYPING_TTL: Final = 6.0  # pings come at most every 3 s: two missed pings and the typing indicator goes
TYPING_EVERY: Final = 2.5  # a ping sooner than this after the last one is ignored (the page sends one per 3 s)
Typing = Literal["started", "continued"] | None


class Viewer(msgspec.Struct, frozen=True, kw_only=True):
    """Someone on a page of the project: ``entity`` is ``"microstep:ms-1"`` (``""`` for the plan page)."""

    user_id: str
    name: str
    entity: str


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Everyone viewing the project (one entry per person and entity) and everyone typing, sorted by name."""

    viewers: list[Viewer]
    typing: list[Viewer]


class _Entry(msgspec.Struct, frozen=True):
    viewer: Viewer
    until: float


_encode = msgspec.json.encode
_decode_entry = msgspec.json.Decoder(_Entry).decode


class PresenceStore(Protocol):
    """Connections and typing pings of each project, each with a deadline."""

    async def join(self, project_id: UUID, connection: str, viewer: Viewer) -> bool:
        """Record (or renew) ``connection``; True when ``viewer`` was not already shown on that entity."""
        ...

    async def touch(self, project_id: UUID, viewer: Viewer) -> bool:
        """Renew every connection of ``viewer`` on its entity (the page's heartbeat); False when it has none."""
        ...

    async def leave(self, project_id: UUID, connection: str) -> bool:
        """Forget ``connection``; True when its viewer is no longer shown on that entity."""
        ...

    async def typing(self, project_id: UUID, viewer: Viewer) -> Typing:
        """Record a typing ping: ``"started"`` when ``viewer`` was not typing there (announce it once),
        ``"continued"`` when they were (keep showing it), None when it came too soon after the last (ignored)."""
        ...

    async def snapshot(self, project_id: UUID) -> Snapshot:
        """Who is viewing and typing now."""
        ...


def _shown(entries: dict[str, _Entry], now: float) -> list[Viewer]:
    unique = {(e.viewer.user_id, e.viewer.entity): e.viewer for e in entries.values() if e.until > now}
    return sorted(unique.values(), key=lambda v: (v.name.casefold(), v.user_id, v.entity))


def _typing_key(viewer: Viewer) -> str:
    return f"{viewer.user_id}|{viewer.entity}"


def _typing_state(previous: _Entry | None, now: float, ttl: float) -> Typing:
    if previous is None or previous.until <= now:
        return "started"
    return "continued" if now - (previous.until - ttl) >= TYPING_EVERY else None


def _text(name: bytes | str) -> str:
    return name.decode() if isinstance(name, bytes) else name


def _same(a: Viewer, b: Viewer) -> bool:
    return a.user_id == b.user_id and a.entity == b.entity


class MemoryPresence:
    """The embedded mode's store: dictionaries in this process."""

    def __init__(self, *, ttl: float = PRESENCE_TTL, typing_ttl: float = TYPING_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Keep connections ``ttl`` seconds after their last heartbeat, typing pings ``typing_ttl`` seconds."""
        self._ttl, self._typing_ttl, self._clock = ttl, typing_ttl, clock
        self._connections: dict[UUID, dict[str, _Entry]] = {}
        self._typing: dict[UUID, dict[str, _Entry]] = {}

    def _live(self, table: dict[UUID, dict[str, _Entry]], project_id: UUID) -> dict[str, _Entry]:
        now = self._clock()
        entries = table.setdefault(project_id, {})
        for name in [name for name, entry in entries.items() if entry.until <= now]:
            del entries[name]
        return entries

    async def join(self, project_id: UUID, connection: str, viewer: Viewer) -> bool:
        """See :meth:`PresenceStore.join`."""
        entries = self._live(self._connections, project_id)
        new = not any(_same(e.viewer, viewer) for e in entries.values())
        entries[connection] = _Entry(viewer, self._clock() + self._ttl)
        return new

    async def touch(self, project_id: UUID, viewer: Viewer) -> bool:
        """See :meth:`PresenceStore.touch`."""
        entries = self._live(self._connections, project_id)
        mine = [name for name, e in entries.items() if _same(e.viewer, viewer)]
        for name in mine:
            entries[name] = _Entry(entries[name].viewer, self._clock() + self._ttl)
        return bool(mine)

    async def leave(self, project_id: UUID, connection: str) -> bool:
        """See :meth:`PresenceStore.leave`."""
        entries = self._live(self._connections, project_id)
        gone = entries.pop(connection, None)
        return gone is not None and not any(_same(e.viewer, gone.viewer) for e in entries.values())

    async def typing(self, project_id: UUID, viewer: Viewer) -> Typing:
        """See :meth:`PresenceStore.typing`."""
        entries = self._live(self._typing, project_id)
        now = self._clock()
        state = _typing_state(entries.get(_typing_key(viewer)), now, self._typing_ttl)
        if state is not None:
            entries[_typing_key(viewer)] = _Entry(viewer, now + self._typing_ttl)
        return state

    async def snapshot(self, project_id: UUID) -> Snapshot:
        """See :meth:`PresenceStore.snapshot`."""
        now = self._clock()
        return Snapshot(viewers=_shown(self._live(self._connections, project_id), now),
                        typing=_shown(self._live(self._typing, project_id), now))


class RedisPresence:
    """The production store, shared by every app instance: one hash of connections and one of typing pings per
    project, each field a JSON entry with its deadline (wall-clock time, the same on every instance)."""

    def __init__(self, redis: Redis, *, prefix: str = "br:live:presence", ttl: float = PRESENCE_TTL,
                 typing_ttl: float = TYPING_TTL, clock: Callable[[], float] = time.time) -> None:
        """Use ``redis`` with keys starting with ``prefix``."""
        self._redis, self._prefix, self._clock = redis, prefix, clock
        self._ttl, self._typing_ttl = ttl, typing_ttl

    def _keys(self, project_id: UUID) -> tuple[str, str]:
        return f"{self._prefix}:{project_id}:conn", f"{self._prefix}:{project_id}:typing"

    async def _read(self, key: str) -> dict[str, _Entry]:
        """The live entries of ``key``; expired ones are deleted on the way."""
        now = self._clock()
        raw = await self._redis.hgetall(key)
        entries = {_text(name): _decode_entry(value) for name, value in raw.items()}
        expired = [name for name, entry in entries.items() if entry.until <= now]
        if expired:
            await self._redis.hdel(key, *expired)
        return {name: entry for name, entry in entries.items() if entry.until > now}

    async def _write(self, key: str, values: dict[str, _Entry], ttl: float) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={name: _encode(entry) for name, entry in values.items()})
            pipe.expire(key, int(ttl * 2) + 1)
            await pipe.execute()

    async def join(self, project_id: UUID, connection: str, viewer: Viewer) -> bool:
        """See :meth:`PresenceStore.join`."""
        key, _ = self._keys(project_id)
        entries = await self._read(key)
        await self._write(key, {connection: _Entry(viewer, self._clock() + self._ttl)}, self._ttl)
        return not any(_same(e.viewer, viewer) for e in entries.values())

    async def touch(self, project_id: UUID, viewer: Viewer) -> bool:
        """See :meth:`PresenceStore.touch`."""
        key, _ = self._keys(project_id)
        until = self._clock() + self._ttl
        mine = {name: _Entry(e.viewer, until) for name, e in (await self._read(key)).items() if _same(e.viewer, viewer)}
        if mine:
            await self._write(key, mine, self._ttl)
        return bool(mine)

    async def leave(self, project_id: UUID, connection: str) -> bool:
        """See :meth:`PresenceStore.leave`."""
        key, _ = self._keys(project_id)
        entries = await self._read(key)
        gone = entries.pop(connection, None)
        if gone is None:
            return False
        await self._redis.hdel(key, connection)
        return not any(_same(e.viewer, gone.viewer) for e in entries.values())

    async def typing(self, project_id: UUID, viewer: Viewer) -> Typing:
        """See :meth:`PresenceStore.typing`."""
        _, key = self._keys(project_id)
        now = self._clock()
        raw = await self._redis.hget(key, _typing_key(viewer))
        state = _typing_state(None if raw is None else _decode_entry(raw), now, self._typing_ttl)
        if state is not None:
            await self._write(key, {_typing_key(viewer): _Entry(viewer, now + self._typing_ttl)}, self._typing_ttl)
        return state

    async def snapshot(self, project_id: UUID) -> Snapshot:
        """See :meth:`PresenceStore.snapshot`."""
        connections, typing = self._keys(project_id)
        now = self._clock()
        viewers, typists = await self._read(connections), await self._read(typing)
        return Snapshot(viewers=_shown(viewers, now), typing=_shown(typists, now))
