"""Compose YAML into a node tree (positions kept) without trusting the input.

PyYAML's ``safe_load`` keeps the last of two duplicate keys and loses every position, so the validator
walks the composed node tree instead. The loader here bounds nesting depth and counts aliases; the walk
bounds the number of nodes it visits, which defeats alias-expansion ("billion laughs") bombs.
"""

from __future__ import annotations

from typing import Final

import yaml

from buildrunner.governance._findings import Finding, finding

MAX_DEPTH: Final = 32
MAX_ALIASES: Final = 100
MAX_EXPANDED_NODES: Final = 100_000


class _RefusedError(Exception):
    def __init__(self, message: str, mark: yaml.Mark | None, hint: str = "remove the aliases (*name)") -> None:
        super().__init__(message)
        self.mark, self.hint = mark, hint


class _BoundedLoader(yaml.SafeLoader):
    """The pure-Python safe loader with nesting and alias limits (the C loader cannot be bounded)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _RefusedError(f"the file uses more than {MAX_ALIASES} aliases (*name)", self._next_mark())
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _RefusedError(f"the file nests deeper than {MAX_DEPTH} levels", self._next_mark(),
                                   "flatten the file")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _next_mark(self) -> yaml.Mark:
        mark: yaml.Mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        return mark


def position(mark: yaml.Mark | None) -> tuple[int, int]:
    """1-based line and column of a PyYAML mark (0-based)."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def compose(text: str) -> tuple[yaml.Node | None, yaml.SafeLoader | None, Finding | None]:
    """The document's root node (None for an empty file) and the loader (to construct scalars), or a finding."""
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)
        root = loader.get_single_node()
        if root is not None:
            _check_expansion(root)
        return root, loader, None
    except _RefusedError as exc:
        return None, None, finding("POL003", "$", str(exc), exc.hint, position(exc.mark))
    except yaml.MarkedYAMLError as exc:
        return None, None, _syntax_finding(exc)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, None, finding("POL001", "$", f"invalid YAML: character {chr(exc.character)!r} is not allowed",
                                   "remove the control character", (line, column))
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above is a marked or reader error
        return None, None, finding("POL001", "$", f"invalid YAML: {exc}", "fix the YAML syntax")
    finally:
        if loader is not None:
            loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a tree whose aliases expand it beyond :data:`MAX_EXPANDED_NODES` nodes, or that contains itself.

    Counts the expanded size of the alias graph in one iterative pass (each node once, memoised), so a
    "billion laughs" document is refused in microseconds instead of being expanded.
    """
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            entered.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > MAX_EXPANDED_NODES:
                raise _RefusedError(f"the aliases in this file expand it to more than {MAX_EXPANDED_NODES:,} values",
                               node.start_mark)
        elif key not in sizes:
            if key in entered:
                raise _RefusedError("the file contains itself through an alias", node.start_mark)
            entered.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _syntax_finding(exc: yaml.MarkedYAMLError) -> Finding:
    problem = exc.problem or "syntax error"
    mark = exc.problem_mark or exc.context_mark
    if "'\\t'" in problem:
        return finding("POL001", "$", "invalid YAML: a tab character where YAML expects spaces",
                       "indent with spaces, not tabs", position(mark))
    context = f"{exc.context}, " if exc.context else ""
    hint = "fix the YAML syntax at this position"
    if "expected a single document" in (exc.context or "") or "single document" in problem:
        hint = "keep one document: remove the extra '---' separators"
    elif "alias" in problem:
        hint = "define the anchor (&name) before using the alias (*name)"
    return finding("POL001", "$", f"invalid YAML: {context}{problem}", hint, position(mark))
