"""A short-lived per-process cache of project lists, so ``GET /api/v1/projects`` mostly skips the database.

An entry is the list one caller saw, keyed by who asked (user, the key's organization binding, system or not) and
the ``org`` filter. It is dropped as soon as this process commits any write (``app.db.changes``), so an instance
always shows its own changes; changes made through another instance or process show within
``PROJECT_LIST_TTL``. Bounded, least recently used first out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from threading import Lock
from typing import Final
from uuid import UUID

from app.db.changes import generation
from app.domain.projects.schemas import ProjectSummary

__all__ = ["PROJECT_LISTS", "PROJECT_LIST_TTL", "ListKey", "ProjectListCache"]

PROJECT_LIST_TTL: Final = 5.0  # seconds
ListKey = tuple[UUID, UUID | None, bool, str | None]


class ProjectListCache:
    """Project lists by caller and filter, valid while no write was committed here and for ``ttl`` seconds."""

    def __init__(self, size: int = 512, ttl: float = PROJECT_LIST_TTL) -> None:
        """Keep at most ``size`` lists for at most ``ttl`` seconds each."""
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[ListKey, tuple[int, float, list[ProjectSummary]]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: ListKey) -> list[ProjectSummary] | None:
        """A copy of the list stored for ``key``, unless it is stale."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            stored_generation, stored_at, summaries = found
            if stored_generation != generation() or time.monotonic() - stored_at >= self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return list(summaries)

    def put(self, key: ListKey, read_at_generation: int, summaries: list[ProjectSummary]) -> None:
        """Store what was read while the write generation was ``read_at_generation`` (taken before the query)."""
        with self._lock:
            self._items[key] = (read_at_generation, time.monotonic(), list(summaries))
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every list."""
        with self._lock:
            self._items.clear()


PROJECT_LISTS: Final = ProjectListCache()
