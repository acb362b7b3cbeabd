"""Revision history and a readable diff between two revisions of a plan.

:func:`diff_plans` is pure: a structural summary of the microsteps (added, removed, status changed, other
fields changed) and a unified text diff of the two ``plan.json`` files, capped so that a huge change
cannot make a huge page.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from itertools import islice
from typing import Any, Final, Literal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanRevision, User
from app.domain.accounts.schemas import Principal
from app.domain.projects.schemas import ProjectAccess, RevisionInfo
from app.domain.projects.services._access import find_project
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._views import ProjectView, project_view
from app.lib.errors import NotFound
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = [
    "DiffLine",
    "FieldChange",
    "HistoryPage",
    "HistoryService",
    "PlanDiff",
    "RevisionDiff",
    "diff_plans",
]

MAX_DIFF_LINES: Final = 3000
MAX_CHANGED_LINES: Final = 20_000
# Bookkeeping that changes with every edit; listing it would hide the fields a person changed.
_QUIET_FIELDS: Final = frozenset({"status", "updated_at"})


class FieldChange(msgspec.Struct, frozen=True, kw_only=True):
    """A microstep that is in both revisions: its status before and after, and the other fields that changed."""

    id: str
    title: str
    old_status: str = ""
    new_status: str = ""
    fields: list[str] = msgspec.field(default_factory=list)


class DiffLine(msgspec.Struct, frozen=True, kw_only=True):
    """A line of the unified diff: ``added``, ``removed``, ``context``, ``hunk`` (@@) or ``file`` (---/+++)."""

    kind: Literal["added", "removed", "context", "hunk", "file"]
    text: str


class PlanDiff(msgspec.Struct, frozen=True, kw_only=True):
    """What changed between two plans."""

    added: list[FieldChange]
    removed: list[FieldChange]
    status_changed: list[FieldChange]
    fields_changed: list[FieldChange]
    lines: list[DiffLine]
    truncated: bool
    too_large: bool = False

    @property
    def identical(self) -> bool:
        """Whether the two plans have the same text."""
        return not self.lines and not self.too_large


def _microsteps(raw: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for milestone in raw.get("milestones", []) if isinstance(raw, dict) else []:
        for step in milestone.get("steps", []):
            for micro in step.get("microsteps", []):
                found.setdefault(str(micro.get("id")), micro)
    return found


def _ref(micro: dict[str, Any]) -> FieldChange:
    return FieldChange(id=str(micro.get("id")), title=str(micro.get("title", "")))


def _line(text: str) -> DiffLine:
    if text.startswith(("---", "+++")):
        return DiffLine(kind="file", text=text)
    kind = {"+": "added", "-": "removed", "@": "hunk"}.get(text[:1], "context")
    return DiffLine(kind=kind, text=text)  # type: ignore[arg-type]


_HUNK: Final = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@$")


def unified_diff(old: list[str], new: list[str], old_name: str, new_name: str, *,
                 context: int = 3, max_changed: int = MAX_CHANGED_LINES) -> Iterator[str] | None:
    """A unified diff of two line lists, or ``None`` when the changed region is too large to compare.

    difflib compares every line with every other: on two 400,000-line plans that takes a minute. Plans
    change in places, so the common head and tail are cut off first and only the changed middle (plus
    context) is compared; hunk headers are shifted back to the real line numbers.
    """
    head = 0
    for head, (a, b) in enumerate(zip(old, new, strict=False)):  # noqa: B007 - the index is the result
        if a != b:
            break
    else:
        head = min(len(old), len(new))
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if (len(old) - head - tail) + (len(new) - head - tail) > max_changed:
        return None
    start = max(0, head - context)
    old_part, new_part = old[start:len(old) - tail + context], new[start:len(new) - tail + context]

    def shifted() -> Iterator[str]:
        lines = difflib.unified_diff(old_part, new_part, fromfile=old_name, tofile=new_name, lineterm="", n=context)
        for line in lines:
            match = _HUNK.match(line)
            if match is None:
                yield line
                continue
            old_at, old_len, new_at, new_len = match.groups()
            yield f"@@ -{int(old_at) + start}{old_len or ''} +{int(new_at) + start}{new_len or ''} @@"

    return shifted()


def diff_plans(old: bytes, new: bytes, *, old_name: str = "old", new_name: str = "new",
               max_lines: int = MAX_DIFF_LINES) -> PlanDiff:
    """Compare two ``plan.json`` files (microsteps by id, then line by line)."""
    before, after = _microsteps(msgspec.json.decode(old)), _microsteps(msgspec.json.decode(new))
    status_changed: list[FieldChange] = []
    fields_changed: list[FieldChange] = []
    for micro_id, node in after.items():
        previous = before.get(micro_id)
        if previous is None or previous == node:
            continue
        old_status, new_status = previous.get("status", "todo"), node.get("status", "todo")
        if old_status != new_status:
            status_changed.append(FieldChange(id=micro_id, title=str(node.get("title", "")),
                                              old_status=str(old_status), new_status=str(new_status)))
        fields = sorted(k for k in previous.keys() | node.keys()
                        if k not in _QUIET_FIELDS and previous.get(k) != node.get(k))
        if fields:
            fields_changed.append(FieldChange(id=micro_id, title=str(node.get("title", "")), fields=fields))
    text = unified_diff(old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines(), old_name, new_name)
    kept = [_line(line) for line in islice(text, max_lines + 1)] if text is not None else []
    return PlanDiff(
        added=[_ref(node) for micro_id, node in after.items() if micro_id not in before],
        removed=[_ref(node) for micro_id, node in before.items() if micro_id not in after],
        status_changed=status_changed, fields_changed=fields_changed,
        lines=kept[:max_lines], truncated=text is None or len(kept) > max_lines, too_large=text is None,
    )


class HistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """A project's revisions, newest first."""

    view: ProjectView
    revisions: list[RevisionInfo]


class RevisionDiff(msgspec.Struct, frozen=True, kw_only=True):
    """Two revisions of a project's plan and what changed between them."""

    view: ProjectView
    old: RevisionInfo
    new: RevisionInfo
    diff: PlanDiff


class HistoryService:
    """The revision history of a project's plan."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)

    async def history(self, actor: Principal, key: str, *, org: str | None = None) -> HistoryPage:
        """Every revision of the project, newest first.

        Raises:
            NotFound: not a project of the actor's organizations.
        """
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        revisions = await self.plans.list_revisions(actor, key, org=org)
        return HistoryPage(view=project_view(actor, project), revisions=revisions)

    async def diff(self, actor: Principal, key: str, old: int, new: int, *, org: str | None = None) -> RevisionDiff:
        """What changed from revision ``old`` to revision ``new`` (either order works).

        Raises:
            NotFound: not the actor's project, or no such revision.
        """
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        old_info, old_text = await self._revision(project, old)
        new_info, new_text = await self._revision(project, new)
        change = diff_plans(old_text, new_text, old_name=_("revision %(number)d") % {"number": old},
                            new_name=_("revision %(number)d") % {"number": new})
        return RevisionDiff(view=project_view(actor, project), old=old_info, new=new_info, diff=change)

    async def _revision(self, project: ProjectAccess, number: int) -> tuple[RevisionInfo, bytes]:
        found = (await self.db.execute(
            select(PlanRevision, User.email).outerjoin(User, User.id == PlanRevision.author_id)
            .where(PlanRevision.project_id == project.id, PlanRevision.number == number)
        )).first() if 0 < number <= project.current_revision else None
        if found is None:
            raise NotFound(_("%(key)s has no revision %(number)d; its revisions are 1 to %(latest)d")
                           % {"key": project.key, "number": number, "latest": project.current_revision}
                           if project.current_revision else
                           _("%(key)s has no revisions yet; upload a plan first") % {"key": project.key})
        row, author = found
        info = RevisionInfo(number=row.number, content_hash=row.content_hash, author=author, message=row.message,
                            created_at=row.created_at)
        return info, row.snapshot.encode("utf-8")
