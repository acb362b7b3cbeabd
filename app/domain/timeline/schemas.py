"""Timeline values passed to the pages and the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final, Literal

import msgspec

__all__ = ["KINDS", "Burnup", "BurnupPoint", "EntityRef", "EventKind", "TimelineEvent", "TimelineFilters",
           "TimelinePage"]

EventKind = Literal["status", "revision", "sync", "comment", "approval", "policy", "conflict"]
#: Every kind of event, in the order the filters list them.
KINDS: Final[tuple[EventKind, ...]] = ("status", "revision", "sync", "comment", "approval", "policy", "conflict")


class EntityRef(msgspec.Struct, frozen=True, kw_only=True):
    """What an event is about: ``kind`` (``microstep``, ``step``, ``milestone``, ``revision``, ``approval``,
    ``conflict`` or ``policy``) and ``id``; ``url`` is its page (``None`` when it has none), ``title`` the current
    plan's title of a plan item that is still in the plan."""

    kind: str
    id: str
    url: str | None = None
    title: str | None = None


class TimelineEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event, in words.

    ``seq`` is the ledger entry's number; ``actor`` its label (an email, ``email [key <id>]`` for an API key,
    ``system``), ``actor_name`` the person's name as shown; ``summary`` the sentence ("carol moved ms-132 from
    review to done"); ``url`` where to read more (a comment's permalink, else the entity's page); ``note`` the
    revision message or similar free text; ``details`` the entry's payload as recorded.
    """

    seq: int
    kind: EventKind
    action: str
    actor: str
    actor_name: str
    created_at: datetime
    entity: EntityRef
    summary: str
    url: str | None = None
    note: str = ""
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class TimelinePage(msgspec.Struct, frozen=True, kw_only=True):
    """Events newest first; pass ``next_before`` as ``before`` for the next (older) page, ``None`` at the end."""

    events: list[TimelineEvent]
    next_before: int | None


class TimelineFilters(msgspec.Struct, frozen=True, kw_only=True):
    """Checked filters: ``actor`` (a ledger label or an email), ``kinds`` (any of them when empty), ``entity`` (an
    id or the start of one), ``since``/``until`` (UTC days, both included), ``before`` (a ``seq``), ``limit``."""

    actor: str = ""
    kinds: tuple[EventKind, ...] = ()
    entity: str = ""
    since: date | None = None
    until: date | None = None
    before: int | None = None
    limit: int = 50


class BurnupPoint(msgspec.Struct, frozen=True, kw_only=True):
    """A revision's progress: microsteps ``done`` and in all (``total``, the plan's scope) when it was saved."""

    revision: int
    created_at: datetime
    done: int
    total: int


class Burnup(msgspec.Struct, frozen=True, kw_only=True):
    """Progress over the revisions, oldest first. ``revisions`` counts them all; when there are more than the points
    asked for, ``downsampled`` is true and ``points`` keeps the first revision and the last of each stretch of time."""

    points: list[BurnupPoint]
    revisions: int
    downsampled: bool
