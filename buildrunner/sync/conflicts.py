"""Pending merge conflicts: list them and settle them one by one (`br conflicts`, `br resolve`).

The merge kept the local value of each conflict in ``plan.json``; settling one rewrites ``plan.json`` (ours,
theirs or a given value) and then ``sync.json``. When the last is settled, the base advances to the server
revision the conflicts were found against, and the next `br sync` pushes what remains different.
"""

from __future__ import annotations

from typing import Any

import msgspec

from buildrunner.errors import NotFoundError, SpecError, UsageError
from buildrunner.merge import Choice, Conflict, diff, resolve
from buildrunner.spec.document import PlanDocument
from buildrunner.spec.lint import check_semantics
from buildrunner.sync.state import PendingConflicts, StoredConflict, SyncStore, plan_hash
from buildrunner.workspace.files import atomic_write
from buildrunner.workspace.workspace import Workspace

__all__ = ["Resolution", "find_conflict", "pending_conflicts", "resolve_conflict"]


class Resolution(msgspec.Struct, kw_only=True):
    """What `br resolve` did: the conflict settled, how many remain, and the base revision now."""

    conflict: StoredConflict
    choice: str
    remaining: int
    base_revision: int


def pending_conflicts(workspace: Workspace) -> PendingConflicts | None:
    """The conflicts waiting to be settled (``None`` when there are none).

    Raises:
        ConfigError: the workspace is not linked.
    """
    return SyncStore(workspace).load_linked().conflicts


def find_conflict(pending: PendingConflicts | None, ident: str) -> StoredConflict:
    """The conflict whose id is ``ident`` or starts with it.

    Raises:
        NotFoundError: no pending conflict matches, or more than one does.
    """
    if pending is None or not pending.items:
        raise NotFoundError("there are no conflicts to resolve")
    matches = [c for c in pending.items if c.id == ident] or [c for c in pending.items if c.id.startswith(ident)]
    if len(matches) != 1:
        known = ", ".join(c.id for c in pending.items)
        what = "matches several conflicts" if matches else "is not a pending conflict"
        raise NotFoundError(f"{ident!r} {what} (pending: {known}); see `br conflicts`")
    return matches[0]


def resolve_conflict(workspace: Workspace, ident: str, choice: Choice, value: Any = None) -> Resolution:
    """Settle one conflict in ``plan.json`` and record it; ``plan.json`` is unchanged if anything fails.

    Raises:
        NotFoundError: no such conflict. SpecError: the plan would become invalid. DeltaError: the conflict's
        path is no longer in the plan.
    """
    store = SyncStore(workspace)
    with workspace.lock():
        state = store.load_linked()
        stored = find_conflict(state.conflicts, ident)
        assert state.conflicts is not None  # find_conflict raised otherwise
        conflict = Conflict(path=stored.path, kind=stored.kind, base=stored.base, local=stored.local,
                            remote=stored.remote, id=stored.item)
        before = workspace.read_plan_bytes()
        document = PlanDocument.from_bytes(before)
        settled = resolve(document.raw, conflict, choice, value)
        data = _checked(document, settled) if diff(document.raw, settled) is not None else before
        if data != before:
            atomic_write(workspace.plan_path, data)
        state.conflicts.items = [c for c in state.conflicts.items if c.id != stored.id]
        if not state.conflicts.items:
            against = state.conflicts.against
            state.base_revision, state.conflicts = against, None
            state.base_hash = plan_hash(data) if diff(store.read_base(against), settled) is None else ""
        store.save(state)
        store.collect_garbage(state)
        remaining = len(state.conflicts.items) if state.conflicts else 0
        return Resolution(conflict=stored, choice=choice, remaining=remaining, base_revision=state.base_revision)


def _checked(before: PlanDocument, settled: dict[str, Any]) -> bytes:
    """The bytes of the settled plan, refused if it is not a valid Build Spec or adds a lint finding."""
    from buildrunner.spec.document import encode_plan  # noqa: PLC0415

    data = encode_plan(settled)
    try:
        after = PlanDocument.from_bytes(data)
    except SpecError as exc:
        raise UsageError(f"refused: that value makes the plan invalid ({exc})") from None
    known = {(f.code, f.message) for f in check_semantics(before.raw)}
    introduced = [f for f in check_semantics(after.raw) if (f.code, f.message) not in known]
    if introduced:
        raise SpecError(f"refused: the resolution would make the plan invalid: {introduced[0].message}")
    return data
