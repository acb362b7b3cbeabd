"""Ids from paths: a segment that is not a UUID names no comment (404), never an error of its own."""

from __future__ import annotations

from uuid import UUID

__all__ = ["CommentId", "as_uuid", "shown_id"]

CommentId = UUID | str
"""A comment (or attachment) id as a path gives it, or already parsed."""


def as_uuid(value: UUID | str) -> UUID | None:
    """``value`` as a UUID, or ``None`` when it is not one."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value) if len(value) <= 40 else None
    except ValueError:
        return None


def shown_id(value: UUID | str) -> str:
    """An id as an error message quotes it: trimmed, in quotes."""
    return repr(str(value)[:40])
