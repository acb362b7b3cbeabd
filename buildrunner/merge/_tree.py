"""Three-way merge of whole Build Specs, element by element (by id) and field by field.

Milestones, steps and microsteps are matched by id across the whole plan, so an item moved to another
parent on one side and edited on the other merges cleanly. Acceptance criteria, links and notes are
matched by id inside their microstep. Nothing is dropped silently: a field changed two ways, an edit
against a delete and two different moves are conflicts; the result then keeps the local version (and
anything needed to hold it, e.g. a deleted parent) and lists the conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import msgspec

from buildrunner.merge._values import Conflict, merge_object, merge_value

CHILDREN: Final = {"": "milestones", "milestone": "steps", "step": "microsteps"}
CHILD_KIND: Final = {"": "milestone", "milestone": "step", "step": "microstep"}
ELEMENT_LISTS: Final = ("acceptance_criteria", "links", "notes")

Node = dict[str, Any]


class MergeResult(msgspec.Struct, kw_only=True):
    """The merged plan and the conflicts found (clean when there are none)."""

    plan: Node
    conflicts: list[Conflict]

    @property
    def clean(self) -> bool:
        """True when every change merged automatically."""
        return not self.conflicts


@dataclass(slots=True)
class _Entry:
    kind: str
    parent: str  # "" for milestones
    fields: Node  # the node without its children list


@dataclass(slots=True)
class _Side:
    entries: dict[str, _Entry]
    orders: dict[str, list[str]]  # parent id ("" = plan) -> child ids in order


def _index(plan: Node) -> _Side:
    side = _Side({}, {})

    def visit(container: Node, parent_id: str, parent_kind: str) -> None:
        child_key = CHILDREN.get(parent_kind)
        if child_key is None:
            return
        kind = CHILD_KIND[parent_kind]
        order = side.orders.setdefault(parent_id, [])
        for child in container.get(child_key, []):
            if not isinstance(child, dict) or not isinstance(child.get("id"), str) or child["id"] in side.entries:
                continue
            # The children list is rebuilt after the merge; a placeholder keeps its place among the keys.
            grandchildren = CHILDREN.get(kind)
            fields = child
            if grandchildren is not None and grandchildren in child:
                fields = dict(child)
                fields[grandchildren] = None
            side.entries[child["id"]] = _Entry(kind, parent_id, fields)
            order.append(child["id"])
            visit(child, child["id"], kind)

    visit(plan, "", "")
    return side


def merge_plans(base: Node, local: Node, remote: Node) -> MergeResult:
    """Merge two edited versions of a plan against their common ancestor."""
    conflicts: list[Conflict] = []
    top = merge_object("$", base, local, remote, conflicts, skip=frozenset({"milestones"}))
    b, loc, rem = _index(base), _index(local), _index(remote)
    merged: dict[str, _Entry] = {}
    for item_id in [*loc.entries, *(i for i in rem.entries if i not in loc.entries)]:
        entry = _merge_entry(item_id, b.entries.get(item_id), loc.entries.get(item_id), rem.entries.get(item_id),
                             conflicts)
        if entry is not None:
            merged[item_id] = entry
    _keep_parents(merged, (b, loc, rem), conflicts)
    top["milestones"] = _build(merged, "", b, loc, rem)
    if "milestones" not in local and "milestones" not in remote and not top["milestones"]:
        del top["milestones"]
    return MergeResult(plan=top, conflicts=conflicts)


def _label(entry: _Entry, item_id: str) -> str:
    return f"{entry.kind}[{item_id}]"


def _merge_entry(
    item_id: str, base: _Entry | None, local: _Entry | None, remote: _Entry | None, conflicts: list[Conflict],
) -> _Entry | None:
    if local is not None and remote is not None:
        path = _label(local, item_id)
        parent = local.parent
        if local.parent != remote.parent:
            if base is not None and base.parent == local.parent:
                parent = remote.parent
            elif base is None or base.parent != remote.parent:
                conflicts.append(Conflict(path=f"{path}.parent", kind="move", id=item_id,
                                          base=base.parent if base else None, local=local.parent,
                                          remote=remote.parent))
        return _Entry(local.kind, parent, _merge_item_fields(path, base, local, remote, conflicts))
    present = local if local is not None else remote
    if present is None:
        return None  # deleted on both sides, or never here
    if base is None:
        return present  # added on one side
    if present.fields == base.fields and present.parent == base.parent:
        return None  # deleted on the other side, untouched here
    conflicts.append(Conflict(
        path=_label(present, item_id), kind="edit-delete", id=item_id, base=base.fields,
        local=present.fields if local is not None else None, remote=present.fields if remote is not None else None,
    ))
    return present


def _merge_item_fields(path: str, base: _Entry | None, local: _Entry, remote: _Entry,
                       conflicts: list[Conflict]) -> Node:
    # Most items are untouched on at least one side: whole-dict comparisons (in C) settle them.
    if local.fields == remote.fields:
        return local.fields
    if base is not None:
        if local.fields == base.fields:
            return remote.fields
        if remote.fields == base.fields:
            return local.fields
    return _merge_fields(path, base.fields if base else {}, local.fields, remote.fields, conflicts)


def _merge_fields(path: str, base: Node, local: Node, remote: Node, conflicts: list[Conflict]) -> Node:
    merged = merge_object(path, base, local, remote, conflicts, skip=frozenset(ELEMENT_LISTS))
    for key in ELEMENT_LISTS:
        if key in local or key in remote:
            value = merge_elements(f"{path}.{key}", base.get(key, []), local.get(key, []), remote.get(key, []),
                                   conflicts)
            if value or key in local:
                merged[key] = value
    return merged


def merge_elements(path: str, base: Any, local: Any, remote: Any, conflicts: list[Conflict]) -> list[Any]:
    """Merge lists of objects with ids (criteria, links, notes) element by element."""
    if not all(_has_ids(v) for v in (base, local, remote)):
        return list(merge_value(path, base, local, remote, conflicts))
    by_base = {e["id"]: e for e in base}
    by_local = {e["id"]: e for e in local}
    by_remote = {e["id"]: e for e in remote}
    merged: dict[str, Node] = {}
    for eid in [*by_local, *(i for i in by_remote if i not in by_local)]:
        old, mine, theirs = by_base.get(eid), by_local.get(eid), by_remote.get(eid)
        epath = f"{path}[{eid}]"
        if mine is not None and theirs is not None:
            merged[eid] = merge_object(epath, old or {}, mine, theirs, conflicts)
        elif old is None:
            merged[eid] = mine if mine is not None else theirs  # type: ignore[assignment]
        elif (mine if mine is not None else theirs) != old:
            kept = mine if mine is not None else theirs
            conflicts.append(Conflict(path=epath, kind="edit-delete", id=eid, base=old, local=mine, remote=theirs))
            merged[eid] = kept  # type: ignore[assignment]
    order = merge_order([e["id"] for e in base], [e["id"] for e in local], [e["id"] for e in remote])
    return [merged[eid] for eid in order if eid in merged]


def _has_ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(e, dict) and isinstance(e.get("id"), str) for e in value) \
        and len({e["id"] for e in value}) == len(value)


def merge_order(base: list[str], local: list[str], remote: list[str]) -> list[str]:
    """Order ids: the side that reordered wins (local if both did); the other side's additions follow
    the item they followed there."""
    common = set(local) & set(remote) & set(base)
    remote_reordered = [i for i in remote if i in common] != [i for i in base if i in common]
    local_reordered = [i for i in local if i in common] != [i for i in base if i in common]
    primary, secondary = (remote, local) if remote_reordered and not local_reordered else (local, remote)
    result = list(primary)
    placed = set(result)
    for index, item in enumerate(secondary):
        if item in placed:
            continue
        anchor = next((secondary[j] for j in range(index - 1, -1, -1) if secondary[j] in placed), None)
        position = result.index(anchor) + 1 if anchor is not None else 0
        result.insert(position, item)
        placed.add(item)
    return result


def _keep_parents(merged: dict[str, _Entry], sides: tuple[_Side, _Side, _Side], conflicts: list[Conflict]) -> None:
    """Bring back a deleted parent that still holds a kept item, and report it."""
    base, local, remote = sides
    changed = True
    while changed:
        changed = False
        for item_id, entry in list(merged.items()):
            if entry.parent and entry.parent not in merged:
                source = local.entries.get(entry.parent) or remote.entries.get(entry.parent) \
                    or base.entries.get(entry.parent)
                if source is None:
                    continue
                merged[entry.parent] = source
                conflicts.append(Conflict(path=_label(source, entry.parent), kind="edit-delete", id=entry.parent,
                                          base=None, local=f"still holds {item_id}", remote=None))
                changed = True


def _build(merged: dict[str, _Entry], parent_id: str, *sides: _Side) -> list[Node]:
    by_parent: dict[str, list[str]] = {}
    for item_id, entry in merged.items():
        by_parent.setdefault(entry.parent, []).append(item_id)
    return _build_children(merged, by_parent, parent_id, sides)


def _build_children(merged: dict[str, _Entry], by_parent: dict[str, list[str]], parent_id: str,
                    sides: tuple[_Side, ...]) -> list[Node]:
    base, local, remote = sides
    order = merge_order(base.orders.get(parent_id, []), local.orders.get(parent_id, []),
                        remote.orders.get(parent_id, []))
    children = [i for i in order if i in merged and merged[i].parent == parent_id]
    listed = set(children)
    children += [i for i in by_parent.get(parent_id, []) if i not in listed]  # moved in
    nodes = []
    for child_id in children:
        entry = merged[child_id]
        node = dict(entry.fields)
        child_key = CHILDREN.get(entry.kind)
        if child_key is not None:
            built = _build_children(merged, by_parent, child_id, sides)
            if built or child_key in node:
                node[child_key] = built
        nodes.append(node)
    return nodes
