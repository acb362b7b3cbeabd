"""The one place the server reads the time, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["now", "set_clock"]

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Return the current time, timezone-aware UTC."""
    return _source()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (``None`` restores the real clock); for tests and the demo seed."""
    global _source  # noqa: PLW0603
    _source = source if source is not None else (lambda: datetime.now(UTC))
