"""Three-way merge of plain JSON values: scalars, objects key by key, id-less lists as ordered sets."""

from __future__ import annotations

from typing import Any, Final

import msgspec

MISSING: Final[Any] = object()  # a key absent on one side: distinct from null
# Bookkeeping times that every edit bumps: two edits of different fields of one item would otherwise always
# conflict on them. Both sides changed the item, so the later time is the truth (ISO 8601 UTC compares as text).
LATEST_WINS: Final = frozenset({"updated_at"})


class Conflict(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A change made two ways: the merge keeps ``local`` in the result and reports it here."""

    path: str
    kind: str  # "field" | "edit-delete" | "move"
    base: Any = None
    local: Any = None
    remote: Any = None
    id: str = ""


def _shown(value: Any) -> Any:
    return None if value is MISSING else value


def merge_value(path: str, base: Any, local: Any, remote: Any, conflicts: list[Conflict]) -> Any:
    """Merge one value; a change on one side wins, the same change on both is fine, two changes conflict."""
    if local == remote:
        return local
    if local == base:
        return remote
    if remote == base:
        return local
    if isinstance(local, dict) and isinstance(remote, dict):
        return merge_object(path, base if isinstance(base, dict) else {}, local, remote, conflicts)
    if _is_plain_list(local) and _is_plain_list(remote):
        return merge_list(base if _is_plain_list(base) else [], local, remote)
    conflicts.append(Conflict(path=path, kind="field", base=_shown(base), local=_shown(local), remote=_shown(remote)))
    return local


def merge_object(
    path: str, base: dict[str, Any], local: dict[str, Any], remote: dict[str, Any], conflicts: list[Conflict],
    *, skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Merge objects key by key, keeping local key order then remote-only keys; ``skip`` keys are left out."""
    merged: dict[str, Any] = {}
    for key in [*local, *(k for k in remote if k not in local)]:
        if key in skip:
            continue
        mine, theirs = local.get(key, MISSING), remote.get(key, MISSING)
        if key in LATEST_WINS and isinstance(mine, str) and isinstance(theirs, str) \
                and base.get(key, MISSING) not in (mine, theirs):
            merged[key] = max(mine, theirs)  # both sides bumped it
            continue
        value = merge_value(f"{path}.{key}", base.get(key, MISSING), mine, theirs, conflicts)
        if value is not MISSING:
            merged[key] = value
    return merged


def _is_plain_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)


def merge_list(base: list[Any], local: list[Any], remote: list[Any]) -> list[Any]:
    """Merge lists of scalars (tags, depends_on) as ordered sets: keep additions and removals of both sides."""
    removed = {_key(v) for v in base} - ({_key(v) for v in local} & {_key(v) for v in remote})
    merged, seen = [], set()
    for value in [*local, *remote]:
        key = _key(value)
        if key not in seen and key not in removed:
            seen.add(key)
            merged.append(value)
    return merged


def _key(value: Any) -> tuple[str, Any]:
    # 1 and True (and 1.0) are equal in Python but different JSON values.
    return type(value).__name__, value
