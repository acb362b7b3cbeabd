"""A small per-process cache of verified API keys, so a Bearer request does not read the database to authenticate.

An entry maps the key's SHA-256 hash to the principal it resolved to and stays valid for at most ``KEY_CACHE_TTL``
(never past the key's own expiry). Revoking a key through :class:`ApiKeyService` drops its entry at once on the
instance that revoked it; other instances of a scaled-out deployment refuse it once their entry ages out, so a
revocation takes effect everywhere within ``KEY_CACHE_TTL``. Changes to the key's user (name, global role) reach
cached principals on the same schedule. Only successful verifications are kept; an unknown key is looked up
every time.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Final
from uuid import UUID

from app.domain.accounts.schemas import Principal

__all__ = ["KEY_CACHE_SIZE", "KEY_CACHE_TTL", "VERIFIED_KEYS", "VerifiedKey", "VerifiedKeyCache"]

KEY_CACHE_TTL: Final = timedelta(seconds=30)
KEY_CACHE_SIZE: Final = 1024


@dataclass(slots=True)
class VerifiedKey:
    """A key checked against the database: who it acts as, until when, and when its use was last recorded."""

    key_id: UUID
    principal: Principal
    valid_until: datetime
    last_used_at: datetime | None


class VerifiedKeyCache:
    """Bounded, least recently used first out; entries expire by ``clock`` time, so moved test clocks apply."""

    def __init__(self, size: int = KEY_CACHE_SIZE, ttl: timedelta = KEY_CACHE_TTL) -> None:
        """Keep at most ``size`` keys for at most ``ttl`` each."""
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, VerifiedKey] = OrderedDict()
        self._lock = Lock()  # the CLI and tests may share the process with other threads

    def get(self, key_hash: str, now: datetime) -> VerifiedKey | None:
        """The entry for ``key_hash`` if it is still valid at ``now``."""
        with self._lock:
            found = self._items.get(key_hash)
            if found is None:
                return None
            if now >= found.valid_until:
                del self._items[key_hash]
                return None
            self._items.move_to_end(key_hash)
            return found

    def put(self, key_hash: str, entry: VerifiedKey) -> None:
        """Remember a verified key (its ``valid_until`` already capped by the caller)."""
        with self._lock:
            self._items[key_hash] = entry
            self._items.move_to_end(key_hash)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def invalidate(self, key_hash: str) -> None:
        """Forget one key (it was revoked)."""
        with self._lock:
            self._items.pop(key_hash, None)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._items.clear()


VERIFIED_KEYS: Final = VerifiedKeyCache()
