"""Compact deltas between two JSON documents, so a sync sends what changed and not the whole plan.

A delta turns one exact document (the base) into another. It is made of nodes, each a one-key-marked object:

- ``{"=": value}`` replaces the value;
- ``{"o": {key: delta}, "x": [key, ...], "k": [key, ...]}`` edits an object: changed or added keys, removed
  keys, and the full key order when it is not "base order, then new keys";
- ``{"l": [id | {"+": element}], "p": {id: delta}}`` edits a list of objects with unique ``id`` fields (the
  milestones, steps, microsteps, criteria...): the new order, naming base elements by id and giving new ones
  inline (``l`` is left out when the ids did not change), and deltas of the base elements that changed.

So a status change in a 10,000-microstep plan is a few dozen bytes, and an added microstep is the microstep
plus the id list of its step.
"""

from __future__ import annotations

from typing import Any

from buildrunner.errors import BrError

__all__ = ["DeltaError", "apply_delta", "diff"]


class DeltaError(BrError, ValueError):
    """A delta that is malformed or does not fit the document it is applied to."""


def diff(base: Any, new: Any) -> Any:
    """The delta that turns ``base`` into ``new``; ``None`` when they are equal."""
    if type(base) is type(new) and base == new:
        return None
    if isinstance(base, dict) and isinstance(new, dict):
        return _diff_object(base, new)
    if isinstance(base, list) and isinstance(new, list) and base and _unique_ids(base) and _unique_ids(new):
        return _diff_elements(base, new)
    return {"=": new}


def _diff_object(base: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for key, value in new.items():
        if key not in base:
            changed[key] = {"=": value}
        else:
            sub = diff(base[key], value)
            if sub is not None:
                changed[key] = sub
    node: dict[str, Any] = {"o": changed}
    removed = [key for key in base if key not in new]
    if removed:
        node["x"] = removed
    expected = [key for key in base if key in new] + [key for key in new if key not in base]
    if expected != list(new):
        node["k"] = list(new)
    return node


def _diff_elements(base: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    by_id = {element["id"]: element for element in base}
    patches: dict[str, Any] = {}
    order: list[Any] = []
    for element in new:
        old = by_id.get(element["id"])
        if old is None:
            order.append({"+": element})
            continue
        order.append(element["id"])
        sub = diff(old, element)
        if sub is not None:
            patches[element["id"]] = sub
    node: dict[str, Any] = {"p": patches}
    if order != [element["id"] for element in base]:
        node["l"] = order
    return node


def _unique_ids(items: list[Any]) -> bool:
    ids = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or item["id"] in ids:
            return False
        ids.add(item["id"])
    return True


def apply_delta(base: Any, delta: Any, path: str = "$") -> Any:
    """Apply ``delta`` (from :func:`diff`) to ``base``; ``base`` itself is left unchanged.

    Raises:
        DeltaError: the delta is malformed or was made from another document (names the path).
    """
    if delta is None:
        return base
    if not isinstance(delta, dict) or len(delta) == 0:
        raise DeltaError(f"{path}: a delta node must be an object, got {_kind(delta)}")
    if "=" in delta:
        if len(delta) != 1:
            raise DeltaError(f"{path}: a replacement node holds only '='")
        return delta["="]
    if "o" in delta:
        return _apply_object(base, delta, path)
    if "p" in delta:
        return _apply_elements(base, delta, path)
    raise DeltaError(f"{path}: unknown delta node with keys {sorted(delta)[:5]}")


def _apply_object(base: Any, delta: dict[str, Any], path: str) -> dict[str, Any]:
    if not isinstance(base, dict):
        raise DeltaError(f"{path}: the delta edits an object but the document has {_kind(base)}")
    changed, removed, order = delta["o"], delta.get("x", []), delta.get("k")
    if set(delta) - {"o", "x", "k"} or not isinstance(changed, dict) or not _strings(removed) \
            or (order is not None and not _strings(order)):
        raise DeltaError(f"{path}: an object node is {{'o': object, 'x': [keys], 'k': [keys]}}")
    result = dict(base)
    for key in removed:
        if key not in result:
            raise DeltaError(f"{path}: cannot remove {key!r}, the document has no such key")
        del result[key]
    for key, sub in changed.items():
        if key not in result and not (isinstance(sub, dict) and "=" in sub):
            raise DeltaError(f"{path}.{key}: the document has no such key to edit")
        result[key] = apply_delta(result.get(key), sub, f"{path}.{key}")
    if order is not None:
        if sorted(order) != sorted(result):
            raise DeltaError(f"{path}: the key order does not list the object's keys")
        result = {key: result[key] for key in order}
    return result


def _apply_elements(base: Any, delta: dict[str, Any], path: str) -> list[Any]:
    if not isinstance(base, list) or not _unique_ids(base):
        raise DeltaError(f"{path}: the delta edits a list of elements with ids but the document has {_kind(base)}")
    patches, order = delta["p"], delta.get("l")
    if set(delta) - {"p", "l"} or not isinstance(patches, dict) or (order is not None and not isinstance(order, list)):
        raise DeltaError(f"{path}: an element-list node is {{'p': object, 'l': [ids]}}")
    by_id = {element["id"]: element for element in base}
    for element_id in patches:
        if element_id not in by_id:
            raise DeltaError(f"{path}[{element_id}]: the document has no such element")
    result = []
    for entry in order if order is not None else list(by_id):
        if isinstance(entry, str):
            if entry not in by_id:
                raise DeltaError(f"{path}[{entry}]: the document has no such element")
            result.append(apply_delta(by_id[entry], patches.get(entry), f"{path}[{entry}]"))
        elif isinstance(entry, dict) and set(entry) == {"+"}:
            result.append(entry["+"])
        else:
            raise DeltaError(f"{path}: a list entry is an id or {{'+': element}}, got {_kind(entry)}")
    return result


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a boolean"}.get(
        type(value), "a number")
