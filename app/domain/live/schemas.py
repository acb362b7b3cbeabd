"""What a live event looks like on the wire (the JSON ``data:`` of an SSE message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = ["EventHead", "LiveEntity", "LiveEvent", "PresenceEvent"]


class LiveEntity(msgspec.Struct, frozen=True, kw_only=True):
    """The plan item an event is about: ``type`` is milestone, step or microstep."""

    type: str
    id: str


class LiveEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event of a project's stream.

    ``id`` increases by one per event of the project (it is the SSE ``id:``, sent back as ``Last-Event-ID``),
    ``type`` the domain event (``comment.created``, ``plan.revision``, ...), ``project`` the project's id,
    ``entity`` the plan item when there is one, ``data`` the event's facts and ``at`` when it happened.
    """

    id: int
    type: str
    project: str
    entity: LiveEntity | None
    data: dict[str, Any]
    at: datetime


class PresenceEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Who is viewing and typing changed (``type`` is ``presence``). It has no ``id``: presence is a state, sent
    again whole on each change, so it is neither numbered nor replayed (an id would move the client's
    ``Last-Event-ID``). ``data`` holds ``change`` (``join``, ``leave`` or ``typing``, with ``user_id``, ``name`` and
    ``entity``), ``viewers`` and ``typing`` (lists of ``{user_id, name, entity}``)."""

    type: str = "presence"
    project: str
    entity: LiveEntity | None
    data: dict[str, Any]
    at: datetime


class EventHead(msgspec.Struct, frozen=True):
    """The fields a stream needs to frame an encoded :class:`LiveEvent` or :class:`PresenceEvent` (decoding the
    rest is not needed); ``id`` is None for presence."""

    type: str
    id: int | None = None
    at: datetime | None = None
