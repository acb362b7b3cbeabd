"""Map JSON paths such as ``$.milestones[0].steps[2].status`` to line and column in the source text.

Only the branches of the document that lead to a wanted path are walked by hand; every other subtree
is skipped by the C JSON scanner, so locating many findings costs about one parse of the file.
A path whose last parts do not exist (a missing field) resolves to its deepest existing ancestor.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_DECODER = json.JSONDecoder()

Segment = str | int


def parse_path(path: str) -> list[Segment]:
    """Split ``$.a[0].b`` into ``["a", 0, "b"]``."""
    return [key if key else int(index) for key, index in _SEGMENT.findall(path.removeprefix("$"))]


class _Trie:
    __slots__ = ("children", "offset")

    def __init__(self) -> None:
        self.children: dict[Segment, _Trie] = {}
        self.offset = -1


def _skip_ws(text: str, i: int) -> int:
    match = _WS.match(text, i)
    return match.end() if match else i


def _skip_value(text: str, i: int) -> int:
    _, end = _DECODER.raw_decode(text, i)
    return int(end)


def _visit(text: str, i: int, node: _Trie) -> int:
    """Record ``i`` as the offset of ``node``, descend into wanted children; return the value's end."""
    node.offset = i
    if not node.children:
        return _skip_value(text, i)
    opener = text[i]
    if opener == "{":
        return _visit_object(text, i, node)
    if opener == "[":
        return _visit_array(text, i, node)
    return _skip_value(text, i)


def _visit_object(text: str, i: int, node: _Trie) -> int:
    i = _skip_ws(text, i + 1)
    while text[i] != "}":
        key, i = scanstring(text, i + 1)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ':'
        child = node.children.get(key)
        i = _visit(text, i, child) if child is not None else _skip_value(text, i)
        i = _skip_ws(text, i)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
    return i + 1


def _visit_array(text: str, i: int, node: _Trie) -> int:
    i = _skip_ws(text, i + 1)
    index = 0
    while text[i] != "]":
        child = node.children.get(index)
        i = _visit(text, i, child) if child is not None else _skip_value(text, i)
        i = _skip_ws(text, i)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
        index += 1
    return i + 1


def line_column(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def locate(text: str, paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Return ``{path: (line, column)}`` for each path, for a text that is valid JSON."""
    wanted = {path: parse_path(path) for path in paths}
    root = _Trie()
    for segments in wanted.values():
        node = root
        for segment in segments:
            node = node.children.setdefault(segment, _Trie())
    with contextlib.suppress(ValueError, IndexError):  # not valid JSON: paths resolve to what was reached
        _visit(text, _skip_ws(text, 0), root)
    offsets: dict[str, int] = {}
    for path, segments in wanted.items():
        node, best = root, max(root.offset, 0)
        for segment in segments:
            child: Any = node.children.get(segment)
            if child is None or child.offset < 0:
                break
            node, best = child, child.offset
        offsets[path] = best
    positions = _line_columns(text, offsets.values())
    return {path: positions[offset] for path, offset in offsets.items()}


def _line_columns(text: str, offsets: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Line and column of many offsets in one pass over the text (not one count from the start each)."""
    result: dict[int, tuple[int, int]] = {}
    line, last = 1, 0
    for offset in sorted(set(offsets)):
        line += text.count("\n", last, offset)
        result[offset] = (line, offset - text.rfind("\n", 0, offset))
        last = offset
    return result
