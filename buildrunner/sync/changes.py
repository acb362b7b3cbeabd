"""What changed between two versions of a plan, item by item: for `br sync --dry-run` and `br status`.

Subtrees are compared whole first (a C-speed ``==``) and walked only where they differ, so a small change in a
10,000-microstep plan costs little more than comparing the two documents.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

__all__ = ["Changes", "summarize"]

_CHILDREN: Final = ("milestones", "steps", "microsteps")

Node = dict[str, Any]
_Located = dict[str, tuple[str, Node, int]]  # id -> (parent id, node, depth)


class Changes(msgspec.Struct, kw_only=True):
    """Items added, removed and changed (with the fields that changed), and the plan's top-level fields."""

    added: list[str] = msgspec.field(default_factory=list)
    removed: list[str] = msgspec.field(default_factory=list)
    changed: dict[str, list[str]] = msgspec.field(default_factory=dict)
    top: list[str] = msgspec.field(default_factory=list)

    @property
    def count(self) -> int:
        """Changed items, plus one when the plan's own fields changed."""
        return len(self.added) + len(self.removed) + len(self.changed) + (1 if self.top else 0)

    def describe(self, limit: int = 8) -> list[str]:
        """Human lines, at most ``limit`` items each."""
        lines = []
        for label, ids in (("added", self.added), ("removed", self.removed), ("changed", list(self.changed))):
            if ids:
                shown = [f"{i} ({', '.join(self.changed[i])})" if label == "changed" else i for i in ids[:limit]]
                more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
                lines.append(f"{label}: {', '.join(shown)}{more}")
        if self.top:
            lines.append(f"plan fields: {', '.join(self.top)}")
        return lines


def _children(node: Any, depth: int) -> list[Any]:
    value = node.get(_CHILDREN[depth]) if isinstance(node, dict) and depth < len(_CHILDREN) else None
    return value if isinstance(value, list) else []


def _by_id(items: list[Any]) -> dict[str, Node]:
    return {item["id"]: item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)}


def _own_fields_changed(old: Node, new: Node, skip: str | None) -> list[str]:
    return [key for key in sorted(old.keys() | new.keys()) if key != skip and old.get(key) != new.get(key)]


def _order_changed(old: dict[str, Node], new: dict[str, Node]) -> bool:
    return [i for i in old if i in new] != [i for i in new if i in old]


class _Walk:
    def __init__(self) -> None:
        self.changes = Changes()
        self.gone: _Located = {}  # items no longer where they were
        self.came: _Located = {}  # items where they were not

    def collect(self, node: Node, parent: str, depth: int, into: _Located) -> None:
        into[node["id"]] = (parent, node, depth)
        for child in _by_id(_children(node, depth + 1)).values():
            self.collect(child, node["id"], depth + 1, into)

    def compare(self, old_items: list[Any], new_items: list[Any], parent: str, depth: int) -> bool:
        """Compare two children lists; returns whether their order changed."""
        old, new = _by_id(old_items), _by_id(new_items)
        for item_id, node in new.items():
            before = old.get(item_id)
            if before is None:
                self.collect(node, parent, depth, self.came)
            elif before != node:
                self.compare_item(item_id, before, node, depth)
        for item_id, node in old.items():
            if item_id not in new:
                self.collect(node, parent, depth, self.gone)
        return _order_changed(old, new)

    def compare_item(self, item_id: str, old: Node, new: Node, depth: int) -> None:
        child_key = _CHILDREN[depth + 1] if depth + 1 < len(_CHILDREN) else None
        names = _own_fields_changed(old, new, child_key)
        if child_key and self.compare(_children(old, depth + 1), _children(new, depth + 1), item_id, depth + 1):
            names.append(f"{child_key} order")
        if names:
            self.changes.changed[item_id] = names

    def settle_moves(self) -> None:
        for item_id, (parent, node, depth) in self.came.items():
            if item_id not in self.gone:
                self.changes.added.append(item_id)
                continue
            old_parent, old_node, _ = self.gone.pop(item_id)
            child_key = _CHILDREN[depth + 1] if depth + 1 < len(_CHILDREN) else None
            names = (["parent"] if old_parent != parent else []) + _own_fields_changed(old_node, node, child_key)
            if names:
                self.changes.changed[item_id] = names
        self.changes.removed = list(self.gone)


def summarize(before: Any, after: Any) -> Changes:
    """The changes that turn ``before`` into ``after``."""
    walk = _Walk()
    old_top = before if isinstance(before, dict) else {}
    new_top = after if isinstance(after, dict) else {}
    walk.changes.top = _own_fields_changed(old_top, new_top, "milestones")
    if walk.compare(_children(old_top, 0), _children(new_top, 0), "", 0):
        walk.changes.top.append("milestones order")
    walk.settle_moves()
    return walk.changes
