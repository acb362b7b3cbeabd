"""Resolve a reported merge conflict in the merged plan: keep ours, take theirs, or put a value.

A conflict's path names where it is: ``$.title`` (the plan), ``microstep[ms-1].title`` (an item's field),
``microstep[ms-1].acceptance_criteria[ac-1].text`` (an element's field), ``microstep[ms-1].parent`` (two moves),
``microstep[ms-1]`` or ``...acceptance_criteria[ac-1]`` (an edit against a delete).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable
from typing import Any, Final, Literal

from buildrunner.merge._delta import DeltaError
from buildrunner.merge._tree import CHILD_KIND, CHILDREN, Node
from buildrunner.merge._values import Conflict

__all__ = ["Choice", "conflict_id", "resolve", "resolve_all"]

Choice = Literal["ours", "theirs", "value"]
CHOICES: Final = ("ours", "theirs", "value")

_ROOT = re.compile(r"^(?:\$|(milestone|step|microstep)\[([^\]]+)\])")
_SEGMENT = re.compile(r"\.([^.\[]+)|\[([^\]]+)\]")


def conflict_id(conflict: Conflict) -> str:
    """A short id for a conflict, stable for its path (one conflict per path in a merge)."""
    return hashlib.sha256(conflict.path.encode()).hexdigest()[:8]


def resolve(plan: Node, conflict: Conflict, choice: Choice, value: Any = None) -> Node:
    """Return a copy of the merged ``plan`` with ``conflict`` settled.

    The merge kept the local side in the plan ("ours"), so "ours" changes nothing unless the local side deleted
    the item (an edit against a delete keeps the edited version until told otherwise). "theirs" takes the remote
    value (a remote ``null`` removes the field or the item); "value" puts ``value`` at the path.

    Raises:
        DeltaError: the path is not in this plan, the choice is unknown, or a move names a missing parent.
    """
    return resolve_all(plan, [(conflict, choice, value)])


def resolve_all(plan: Node, settlements: Iterable[tuple[Conflict, Choice, Any]]) -> Node:
    """Settle several conflicts of one merge at once (one copy of the plan); see :func:`resolve`.

    Raises:
        DeltaError: as :func:`resolve`, for the first settlement that does not fit.
    """
    result = copy.deepcopy(plan)
    for conflict, choice, value in settlements:
        _resolve_in_place(result, conflict, choice, value)
    return result


def _resolve_in_place(plan: Node, conflict: Conflict, choice: Choice, value: Any) -> None:
    if choice not in CHOICES:
        raise DeltaError(f"choose one of {', '.join(CHOICES)}, not {choice!r}")
    chosen = conflict.local if choice == "ours" else conflict.remote if choice == "theirs" else value
    root, segments = _parse(conflict.path)
    if conflict.kind == "move":
        _move(plan, root, chosen, conflict.path)
    elif not segments:
        if root is None:
            raise DeltaError("a conflict on the whole plan cannot be resolved piecewise")
        if chosen is None:
            _remove_item(plan, root)
        elif choice == "value":
            _replace_item(plan, root, chosen)
    else:
        container = _item(plan, root) if root is not None else plan
        for segment in segments[:-1]:
            container = _step_into(container, segment, conflict.path)
        _settle(container, segments[-1], conflict, chosen,
                replace=choice == "value" or conflict.kind != "edit-delete")


def _settle(container: Any, last: str, conflict: Conflict, chosen: Any, *, replace: bool) -> None:
    """Put ``chosen`` at ``last`` in ``container`` (``None`` removes the field or the element)."""
    if last[0] == "[":
        index = _index_of(container, last[1:-1], conflict.path)
        if chosen is None:
            del container[index]
        elif replace:
            container[index] = chosen
    elif not isinstance(container, dict):
        raise DeltaError(f"{conflict.path}: the plan has no object there")
    elif chosen is None:
        container.pop(last, None)
    else:
        container[last] = chosen


def _parse(path: str) -> tuple[tuple[str, str] | None, list[str]]:
    match = _ROOT.match(path)
    if match is None:
        raise DeltaError(f"{path!r} is not a conflict path")
    root = (match.group(1), match.group(2)) if match.group(1) else None
    rest = path[match.end():]
    segments: list[str] = []
    position = 0
    for part in _SEGMENT.finditer(rest):
        if part.start() != position:
            raise DeltaError(f"{path!r} is not a conflict path")
        segments.append(part.group(1) if part.group(1) is not None else f"[{part.group(2)}]")
        position = part.end()
    if position != len(rest):
        raise DeltaError(f"{path!r} is not a conflict path")
    return root, segments


def _step_into(container: Any, segment: str, path: str) -> Any:
    if segment[0] == "[":
        return container[_index_of(container, segment[1:-1], path)]
    if not isinstance(container, dict) or segment not in container:
        raise DeltaError(f"{path}: the plan has no {segment!r} there")
    return container[segment]


def _index_of(elements: Any, element_id: str, path: str) -> int:
    if isinstance(elements, list):
        for index, element in enumerate(elements):
            if isinstance(element, dict) and element.get("id") == element_id:
                return index
    raise DeltaError(f"{path}: the plan has no element {element_id!r} there")


def _walk(plan: Node) -> Any:
    """Yield (kind, node, siblings list) for every milestone, step and microstep."""
    stack: list[tuple[Node, str]] = [(plan, "")]
    while stack:
        container, kind = stack.pop()
        child_key = CHILDREN.get(kind)
        if child_key is None:
            continue
        children = container.get(child_key)
        if not isinstance(children, list):
            continue
        for child in children:
            if isinstance(child, dict):
                yield CHILD_KIND[kind], child, children
                stack.append((child, CHILD_KIND[kind]))


def _find(plan: Node, kind: str, item_id: str) -> tuple[Node, list[Any]] | None:
    for found_kind, node, siblings in _walk(plan):
        if found_kind == kind and node.get("id") == item_id:
            return node, siblings
    return None


def _item(plan: Node, root: tuple[str, str]) -> Node:
    return _located(plan, root)[0]


def _located(plan: Node, root: tuple[str, str]) -> tuple[Node, list[Any]]:
    found = _find(plan, *root)
    if found is None:
        raise DeltaError(f"the plan has no {root[0]} {root[1]!r}")
    return found


def _remove_item(plan: Node, root: tuple[str, str]) -> None:
    found = _find(plan, *root)
    if found is not None:
        node, siblings = found
        siblings.remove(node)


def _replace_item(plan: Node, root: tuple[str, str], value: Any) -> None:
    node = _item(plan, root)
    if not isinstance(value, dict) or value.get("id") != root[1]:
        raise DeltaError(f"the new {root[0]} must be an object with id {root[1]!r}")
    child_key = CHILDREN.get(root[0])
    children = node.get(child_key) if child_key else None
    node.clear()
    node.update(value)
    if child_key and children is not None:
        node[child_key] = children  # the item's children are other conflicts' business


def _move(plan: Node, root: tuple[str, str] | None, parent_id: Any, path: str) -> None:
    if root is None or not isinstance(parent_id, str):
        raise DeltaError(f"{path}: a move is resolved with the id of the new parent")
    node, siblings = _located(plan, root)
    parent_kind = {"step": "milestone", "microstep": "step"}.get(root[0])
    if parent_kind is None:
        raise DeltaError(f"{path}: a milestone has no parent to change")
    target = _find(plan, parent_kind, parent_id)
    if target is None:
        raise DeltaError(f"{path}: the plan has no {parent_kind} {parent_id!r} to move into")
    child_key = CHILDREN[parent_kind]
    destination = target[0].setdefault(child_key, [])
    if destination is siblings:
        return
    siblings.remove(node)
    destination.append(node)
