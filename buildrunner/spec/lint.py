"""The Build Spec linter: every finding names its JSON path, line, column, a code and how to fix it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

import msgspec

from buildrunner.spec.locate import line_column, locate
from buildrunner.spec.model import SPEC_VERSION, STATUSES, Plan

CODES: Final = {
    "BR001": "invalid-json",
    "BR002": "wrong-type",
    "BR003": "missing-field",
    "BR004": "duplicate-id",
    "BR005": "dangling-dependency",
    "BR006": "dependency-cycle",
    "BR007": "done-with-unmet-criteria",
    "BR008": "empty-title",
    "BR009": "invalid-value",
    "BR010": "unsupported-version",
}


class Finding(msgspec.Struct, kw_only=True):
    """One problem in a plan."""

    code: str
    name: str
    path: str
    message: str
    line: int = 0
    column: int = 0


def _finding(code: str, path: str, message: str) -> Finding:
    return Finding(code=code, name=CODES[code], path=path, message=message)


def lint_bytes(data: bytes) -> list[Finding]:
    """Lint ``plan.json`` bytes; return the findings sorted by position (empty when the plan is valid)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_column(data[: exc.start].decode("utf-8", "replace"), exc.start)
        return [
            Finding(
                code="BR001", name=CODES["BR001"], path="$", line=line, column=column,
                message=f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8",
            )
        ]
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return [_json_syntax_finding(text)]
    findings = list(check_structure(raw))
    findings.extend(check_semantics(raw))
    if findings:
        positions = locate(text, (f.path for f in findings))
        for finding in findings:
            finding.line, finding.column = positions[finding.path]
        findings.sort(key=lambda f: (f.line, f.column, f.code))
    return findings


def _json_syntax_finding(text: str) -> Finding:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return Finding(
            code="BR001", name=CODES["BR001"], path="$", line=exc.lineno, column=exc.colno,
            message=f"invalid JSON: {exc.msg}; fix the syntax at this position",
        )
    except RecursionError:
        return _finding("BR001", "$", "invalid JSON: nested too deeply")
    # msgspec is stricter than json (e.g. NaN literals): report without a position.
    return _finding("BR001", "$", "invalid JSON: the file uses a construct JSON does not allow (NaN, Infinity)")


# -- structure ------------------------------------------------------------------------------------

_CHILDREN: Final[dict[str, dict[str, str | list[str]]]] = {
    "Plan": {"project": "Project", "milestones": ["Milestone"]},
    "Milestone": {"steps": ["Step"]},
    "Step": {"microsteps": ["Microstep"]},
    "Microstep": {"acceptance_criteria": ["Criterion"], "links": ["Link"], "notes": ["Note"]},
}
_ARTICLE: Final = {"Project": "a project", "Milestone": "a milestone", "Step": "a step", "Microstep": "a microstep",
                   "Criterion": "an acceptance criterion", "Link": "a link", "Note": "a note", "Plan": "a Build Spec"}
_TYPE_WORDS: Final = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false",
                      "array": "an array", "object": "an object", "null": "null"}


def _struct_types() -> dict[str, type[msgspec.Struct]]:
    from buildrunner.spec import model  # noqa: PLC0415 - keeps the registry next to the models

    return {name: getattr(model, name) for name in _ARTICLE}


def check_structure(raw: Any) -> Iterator[Finding]:
    """Yield a finding for every wrong type, missing field and invalid value, not just the first."""
    try:
        msgspec.convert(raw, Plan)
    except msgspec.ValidationError:
        yield from _check_node(raw, "Plan", "$", _struct_types())
        return
    if raw["version"] > SPEC_VERSION:
        yield _finding("BR010", "$.version",
                       f"version {raw['version']} is newer than this br understands ({SPEC_VERSION}); upgrade br")


def _check_node(node: Any, type_name: str, path: str, types: dict[str, type[msgspec.Struct]]) -> Iterator[Finding]:
    if not isinstance(node, dict):
        yield _finding("BR002", path, f"expected {_ARTICLE[type_name]} (a JSON object), got {_json_type(node)}")
        return
    children = _CHILDREN.get(type_name, {})
    for field in msgspec.structs.fields(types[type_name]):
        fpath = f"{path}.{field.encode_name}"
        if field.encode_name not in node:
            if field.required:
                yield _finding("BR003", path, f"{_ARTICLE[type_name]} is missing the required field "
                                              f"'{field.encode_name}'; add it")
            continue
        value = node[field.encode_name]
        child = children.get(field.encode_name)
        if isinstance(child, list):
            if not isinstance(value, list):
                yield _finding("BR002", fpath, f"{field.encode_name} must be an array, got {_json_type(value)}")
                continue
            for i, item in enumerate(value):
                yield from _check_node(item, child[0], f"{fpath}[{i}]", types)
        elif isinstance(child, str):
            yield from _check_node(value, child, fpath, types)
        else:
            yield from _check_value(value, field, fpath)


def _check_value(value: Any, field: msgspec.structs.FieldInfo, path: str) -> Iterator[Finding]:
    try:
        msgspec.convert(value, field.type)
    except msgspec.ValidationError as exc:
        message = str(exc).split(" - at ", 1)[0]
        if field.name == "status":
            yield _finding("BR009", path, f"status must be one of {', '.join(STATUSES)} (got {value!r})")
        elif message.startswith("Expected"):
            yield _finding("BR002", path, f"{field.encode_name} {_describe_expected(message)}")
        else:
            yield _finding("BR009", path, f"{field.encode_name}: {message}")


def _describe_expected(message: str) -> str:
    # msgspec says e.g. "Expected `str`, got `int`" or "Expected `array`, got `str` - at `$[0]`".
    parts = [p.strip("` ") for p in message.removeprefix("Expected ").split(", got ")]
    wanted = " or ".join(_TYPE_WORDS.get(p.strip("` "), p) for p in parts[0].split(" | "))
    got = _TYPE_WORDS.get(parts[1], parts[1]) if len(parts) > 1 else "something else"
    return f"must be {wanted}, got {got}"


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true or false", int: "an integer",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# -- semantics ------------------------------------------------------------------------------------

def check_semantics(raw: Any) -> Iterator[Finding]:
    """Yield duplicate ids, dangling and cyclic dependencies, done-with-unmet-criteria and empty titles.

    Works on partially invalid trees: nodes of the wrong shape are skipped (the structure check
    reports them).
    """
    items = list(_items(raw))
    all_ids = {item["id"] for item, _, _ in items if isinstance(item.get("id"), str)}
    seen: dict[str, str] = {}
    edges: dict[str, list[str]] = {}
    dep_paths: dict[str, str] = {}
    for item, path, kind in items:
        yield from _check_item(item, path, kind, seen)
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        for i, dep in enumerate(_list(item, "depends_on")):
            if not isinstance(dep, str):
                continue
            edges.setdefault(item_id, []).append(dep)
            dep_paths.setdefault(item_id, f"{path}.depends_on")
            if dep not in all_ids:
                yield _finding("BR005", f"{path}.depends_on[{i}]",
                               f"depends_on names {dep!r}, which is not in the plan; remove it or add that item")
        # A milestone or step is finished when everything in it is, so depending on one's own
        # container (or on anything that depends on it) is a cycle too.
        children = _list(item, "steps" if kind == "milestone" else "microsteps") if kind != "microstep" else []
        edges.setdefault(item_id, []).extend(
            c["id"] for c in children if isinstance(c, dict) and isinstance(c.get("id"), str))
    if dep_paths:
        yield from _cycles(edges, dep_paths)


def _items(raw: Any) -> Iterator[tuple[dict[str, Any], str, str]]:
    if not isinstance(raw, dict):
        return
    for mi, milestone in enumerate(_list(raw, "milestones")):
        if not isinstance(milestone, dict):
            continue
        mpath = f"$.milestones[{mi}]"
        yield milestone, mpath, "milestone"
        for si, step in enumerate(_list(milestone, "steps")):
            if not isinstance(step, dict):
                continue
            spath = f"{mpath}.steps[{si}]"
            yield step, spath, "step"
            for ki, micro in enumerate(_list(step, "microsteps")):
                if isinstance(micro, dict):
                    yield micro, f"{spath}.microsteps[{ki}]", "microstep"


def _list(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []


def _check_item(item: dict[str, Any], path: str, kind: str, seen: dict[str, str]) -> Iterator[Finding]:
    item_id = item.get("id")
    if isinstance(item_id, str):
        if item_id in seen:
            yield _finding("BR004", f"{path}.id",
                           f"duplicate id {item_id!r}, first used at {seen[item_id]}; give this {kind} a new id")
        else:
            seen[item_id] = path
    title = item.get("title")
    if isinstance(title, str) and not title.strip():
        yield _finding("BR008", f"{path}.title", f"the {kind} title is empty; give this {kind} a title")
    if kind == "microstep":
        yield from _check_criteria(item, path)


def _check_criteria(item: dict[str, Any], path: str) -> Iterator[Finding]:
    criteria = [c for c in _list(item, "acceptance_criteria") if isinstance(c, dict)]
    seen: set[str] = set()
    for i, criterion in enumerate(criteria):
        cid = criterion.get("id")
        if isinstance(cid, str):
            if cid in seen:
                yield _finding("BR004", f"{path}.acceptance_criteria[{i}].id",
                               f"duplicate acceptance criterion id {cid!r} in this microstep; give it a new id")
            seen.add(cid)
    if item.get("status") == "done":
        unmet = [str(c.get("id", "?")) for c in criteria if c.get("met") is not True]
        if unmet:
            yield _finding("BR007", f"{path}.status",
                           f"{item.get('id')!r} is done but acceptance criteria {', '.join(unmet)} are not met; "
                           "check them (`br check`) or move the status back")


def _cycles(deps: dict[str, list[str]], dep_paths: dict[str, str]) -> Iterator[Finding]:
    """Find dependency cycles with an iterative depth-first search; report each cycle once."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    reported: set[frozenset[str]] = set()
    for start in deps:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(deps.get(start, ())))]
        on_path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = on_path[on_path.index(child):]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    anchor = next((c for c in cycle if c in dep_paths), cycle[0])
                    shown = " → ".join([*cycle, child])
                    yield _finding("BR006", dep_paths.get(anchor, "$"),
                                   f"dependency cycle: {shown}; remove one of these dependencies")
            elif not state.get(child):
                state[child] = 1
                on_path.append(child)
                stack.append((child, iter(deps.get(child, ()))))
