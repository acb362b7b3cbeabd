"""Values of the conflict log (what the API encodes and the pages show), the 409 error, and reading resolutions.

A conflict *entry* is one push that did not merge; it holds one or more conflict *items*, each a field (or an
element) changed two ways, named by a short id that is stable for its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, Literal
from uuid import UUID

import msgspec

from app.domain.projects.schemas import RevisionInfo
from app.domain.projects.services._views import ProjectView
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import NUL_MESSAGE, find_nul
from buildrunner import merge

__all__ = [
    "CONFLICT_STATUSES",
    "ConflictDetail",
    "ConflictItem",
    "ConflictListing",
    "ConflictPage",
    "ConflictResolve",
    "ConflictResolved",
    "ConflictStatus",
    "ConflictSummary",
    "MergeConflicts",
    "Resolution",
    "conflict_items",
    "resolutions_from_form",
]

ConflictStatus = Literal["open", "resolved"]
CONFLICT_STATUSES: Final[tuple[ConflictStatus, ...]] = ("open", "resolved")
#: What the conflict page's radios send for "Keep mine", "Keep theirs" and "Edit".
_FORM_CHOICES: Final = {"ours": "ours", "theirs": "theirs", "edit": "value"}


class ConflictItem(msgspec.Struct, frozen=True, kw_only=True):
    """One conflict of a push: ``path`` in the plan, ``kind`` (``field``, ``edit-delete``, ``move``) and the three
    versions (``null`` where a side has no value, e.g. it deleted the item)."""

    id: str
    path: str
    kind: str
    base: Any = None
    local: Any = None
    remote: Any = None


class ConflictSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of the conflict log: a push of ``author`` made from ``base_revision`` that conflicted with
    ``head_revision``; once resolved, ``resolved_revision`` holds the result."""

    id: UUID
    status: ConflictStatus
    base_revision: int
    head_revision: int
    count: int
    author: str | None
    message: str
    created_at: datetime
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolved_revision: int | None = None


class ConflictDetail(ConflictSummary, frozen=True, kw_only=True):
    """An entry with its conflicts."""

    conflicts: list[ConflictItem]


class Resolution(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How to settle one conflict: ``ours`` keeps the pushed (local) value, ``theirs`` takes the server's (remote)
    value, ``value`` puts ``value`` at the conflict's path (``null`` removes the field)."""

    choice: merge.Choice
    value: Any | msgspec.UnsetType = msgspec.UNSET


class ConflictResolve(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A resolution for every conflict of an entry, by conflict id."""

    resolutions: dict[str, Resolution]


class ConflictResolved(msgspec.Struct, frozen=True, kw_only=True):
    """The entry, now resolved, and the revision that holds the result; ``merged`` is true when the plan had moved
    on since the conflict and the result was merged with it."""

    conflict: ConflictSummary
    revision: RevisionInfo
    merged: bool


class ConflictListing(msgspec.Struct, frozen=True, kw_only=True):
    """The conflicts page: a project's entries (open first), filtered by ``status`` when it is set."""

    view: ProjectView
    items: list[ConflictSummary]
    status: str


class ConflictPage(msgspec.Struct, frozen=True, kw_only=True):
    """One entry's page: its conflicts side by side, and what the caller may do."""

    view: ProjectView
    detail: ConflictDetail


class MergeConflicts(Conflict):
    """A push (or a resolution) conflicts with the plan on the server; the entry ``conflict_id`` logs it."""

    type_slug: ClassVar[str] = "merge-conflict"

    def __init__(self, message: str, *, conflicts: list[ConflictItem], conflict_id: UUID, current: int) -> None:
        """Create the error with the conflicts, the log entry that keeps them and the current revision."""
        super().__init__(message)
        self.conflicts = conflicts
        self.conflict_id = conflict_id
        self.current = current

    def extra(self) -> dict[str, Any]:
        """The conflicts, the entry to resolve them in, and the revision they are against."""
        return {"conflicts": msgspec.to_builtins(self.conflicts), "conflict_id": str(self.conflict_id),
                "current": self.current}


def conflict_items(conflicts: list[merge.Conflict]) -> list[ConflictItem]:
    """The merge's conflicts as log items, each with its short id."""
    return [ConflictItem(id=merge.conflict_id(conflict), path=conflict.path, kind=conflict.kind, base=conflict.base,
                         local=conflict.local, remote=conflict.remote) for conflict in conflicts]


def resolutions_from_form(conflict_ids: list[str], form: Mapping[str, str]) -> dict[str, Resolution]:
    """Read the conflict page's form: ``choice-<id>`` (``ours``, ``theirs``, ``edit``) and ``value-<id>`` (JSON).

    Raises:
        ValidationFailed: listing in ``errors`` each conflict without a choice or with an edit that is not JSON
            (``{"conflict": id, "field": "choice" | "value", "message": ...}``).
    """
    resolutions: dict[str, Resolution] = {}
    errors: list[dict[str, Any]] = []
    for item_id in conflict_ids:
        choice = _FORM_CHOICES.get(form.get(f"choice-{item_id}", ""))
        if choice is None:
            errors.append({"conflict": item_id, "field": "choice",
                           "message": _("choose Keep mine, Keep theirs or Edit")})
        elif choice != "value":
            resolutions[item_id] = Resolution(choice="ours" if choice == "ours" else "theirs")
        else:
            try:
                value = msgspec.json.decode(form.get(f"value-{item_id}", "").encode("utf-8"))
            except msgspec.DecodeError as exc:
                errors.append({"conflict": item_id, "field": "value", "message": _(
                    "the edited value is not valid JSON (%(error)s); write a JSON value, e.g. \"text\" in quotes"
                ) % {"error": exc}})
                continue
            if find_nul(value) is not None:
                errors.append({"conflict": item_id, "field": "value", "message": _(NUL_MESSAGE)})
                continue
            resolutions[item_id] = Resolution(choice="value", value=value)
    if errors:
        raise ValidationFailed("resolutions", _("fix the marked conflicts and submit again"), errors=errors)
    return resolutions
