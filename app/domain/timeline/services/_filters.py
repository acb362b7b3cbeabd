"""Checking the timeline's filters as typed in a form or a query string: every problem names its parameter."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Final

import msgspec

from app.domain.timeline.schemas import KINDS, EventKind, TimelineFilters
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["MAX_LIMIT", "MAX_SEQ", "TimelineQuery", "check_filters"]

MAX_LIMIT: Final = 200
MAX_SEQ: Final = 2**63 - 1  # the ledger's seq is a signed 64-bit integer
_ACTOR_LIMIT: Final = 400  # the ledger keeps actor labels up to this length
_ENTITY_LIMIT: Final = 200  # plan item ids are at most this long
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TimelineQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The filters as given (text, unchecked); the page shows them back as typed."""

    actor: str = ""
    kinds: tuple[str, ...] = ()
    entity: str = ""
    since: str = ""
    until: str = ""
    before: str = ""
    limit: int = 50

    def as_params(self) -> list[tuple[str, str]]:
        """The filters as query parameters (``before`` and ``limit`` left out), empty ones dropped."""
        pairs = [("actor", self.actor), *(("kind", kind) for kind in self.kinds), ("entity", self.entity),
                 ("since", self.since), ("until", self.until)]
        return [(name, value) for name, value in pairs if value]

    @property
    def filtered(self) -> bool:
        """Whether any filter (not the page) narrows the events."""
        return bool(self.as_params())


def check_filters(query: TimelineQuery) -> TimelineFilters:
    """The checked filters.

    Raises:
        ValidationFailed: naming the first bad parameter (``actor``, ``kind``, ``entity``, ``since``, ``until``,
            ``before`` or ``limit``) and saying what it takes.
    """
    actor = _text("actor", query.actor, _ACTOR_LIMIT)
    kinds = _kinds(query.kinds)
    entity = _text("entity", query.entity, _ENTITY_LIMIT)
    since, until = _day("since", query.since), _day("until", query.until)
    if since is not None and until is not None and until < since:
        raise ValidationFailed("until", _("the last day comes before the first one (%(since)s); swap them")
                               % {"since": since.isoformat()})
    if not 1 <= query.limit <= MAX_LIMIT:
        raise ValidationFailed("limit", _("ask for 1 to %(max)d events") % {"max": MAX_LIMIT})
    return TimelineFilters(actor=actor, kinds=kinds, entity=entity, since=since, until=until,
                           before=_before(query.before), limit=query.limit)


def _text(field: str, value: str, limit: int) -> str:
    reject_nul(field, value)
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise ValidationFailed(field, _("use at most %(num)d characters") % {"num": limit})
    return cleaned


def _kinds(values: Iterable[str]) -> tuple[EventKind, ...]:
    wanted: list[EventKind] = []
    for value in values:
        reject_nul("kind", value)
        for part in value.split(","):  # ?kind=status&kind=sync and ?kind=status,sync alike
            name = part.strip().lower()
            if not name:
                continue
            known = next((kind for kind in KINDS if kind == name), None)
            if known is None:
                raise ValidationFailed("kind", _("there is no kind of event %(kind)s; use one or more of %(choices)s")
                                       % {"kind": repr(part.strip()[:40]), "choices": ", ".join(KINDS)})
            if known not in wanted:
                wanted.append(known)
    return tuple(wanted)


def _day(field: str, value: str) -> date | None:
    reject_nul(field, value)
    cleaned = value.strip()
    if not cleaned:
        return None
    try:
        if not _DATE.match(cleaned):
            raise ValueError(cleaned)
        return date.fromisoformat(cleaned)
    except ValueError:
        raise ValidationFailed(field, _("use a date such as 2026-01-31 (year-month-day)")) from None


def _before(value: str) -> int | None:
    reject_nul("before", value)
    cleaned = value.strip()
    if not cleaned:
        return None
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > len(str(MAX_SEQ)) \
            or not 1 <= int(cleaned) <= MAX_SEQ:
        raise ValidationFailed("before", _("use the next_before number of the previous page (a whole number from 1 "
                                           "to %(max)d)") % {"max": MAX_SEQ})
    return int(cleaned)
