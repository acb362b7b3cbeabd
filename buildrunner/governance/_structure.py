"""Check the composed YAML tree against the policy model's types, reporting every problem with its position.

The walk is driven by the model (``msgspec.inspect``), so a new field needs no change here. It builds the
plain value of everything valid on the way; :func:`msgspec.convert` then turns that into the typed policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

import yaml
from msgspec import inspect as mi

from buildrunner.governance._base import ROLES
from buildrunner.governance._findings import Finding, did_you_mean, finding, one_of
from buildrunner.governance._scalars import describe, scalar_problem, value_words
from buildrunner.governance._yaml import position
from buildrunner.governance.model import TRANSITIONS
from buildrunner.spec.model import STATUSES

MAX_VISITS: Final = 100_000
INVALID: Final = object()
_TAG_PREFIX: Final = "tag:yaml.org,2002:"
_NULL_TAG: Final = _TAG_PREFIX + "null"
_MERGE_TAG: Final = _TAG_PREFIX + "merge"
# What plain YAML resolves to; explicit tags such as !!python/object, !!binary or !!set are refused.
_PLAIN_TAGS: Final = frozenset(_TAG_PREFIX + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map",
                                                        "seq"))
_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Literal sets with a code of their own, listed in their natural order rather than msgspec's sorted one.
_NAMED_LITERALS: Final = (
    (frozenset(ROLES), "POL007", "role", tuple(ROLES)),
    (frozenset(STATUSES), "POL008", "status", tuple(STATUSES)),
    (frozenset(TRANSITIONS), "POL009", "transition", tuple(TRANSITIONS)),
)


class TooManyNodesError(Exception):
    """The walk visited more than :data:`MAX_VISITS` nodes: an alias-expansion bomb, or absurd input."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(f"the file expands to more than {MAX_VISITS:,} values (aliases?)")
        self.mark = mark


def join(path: str, key: str) -> str:
    """``parent.key`` (``parent["odd key"]`` when the key is not a plain name)."""
    if not _IDENTIFIER.match(key):
        return f'{"" if path == "$" else path}["{key}"]'
    return key if path == "$" else f"{path}.{key}"


class StructureWalk:
    """One pass over a document: findings, and the position of every key seen (for the semantic checks)."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.findings: list[Finding] = []
        self.positions: dict[str, tuple[int, int]] = {}
        self.visits = 0

    def report(self, code: str, path: str, node: yaml.Node, message: str, hint: str = "") -> None:
        self.findings.append(finding(code, path, message, hint, position(node.start_mark)))

    def check(self, node: yaml.Node, kind: mi.Type, path: str) -> Any:
        """The plain value of ``node`` if it fits ``kind`` (else :data:`INVALID`, with findings)."""
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise TooManyNodesError(node.start_mark)
        if node.tag not in _PLAIN_TAGS:
            self.report("POL001", path, node, f"the YAML tag {node.tag.replace(_TAG_PREFIX, '!!')} is not allowed in "
                        "a policy", "remove the tag")
            return INVALID
        kind = _unwrap(kind)
        if isinstance(kind, mi.StructType):
            return self._struct(node, kind, path)
        if isinstance(kind, mi.DictType):
            return self._dict(node, kind, path)
        if isinstance(kind, mi.ListType):
            return self._list(node, kind, path)
        if isinstance(kind, mi.UnionType):
            return self._union(node, kind, path)
        return self._scalar(node, kind, path)

    # -- containers -------------------------------------------------------------------------------

    def _pairs(self, node: yaml.MappingNode, path: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.report("POL001", path, key_node, "merge keys (<<) are not supported in a policy",
                            "write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.report("POL004", path, key_node, "a key must be a plain name, not a list or mapping")
                continue
            key = str(key_node.value)
            kpath = join(path, key)
            if key in seen:
                first = position(seen[key].start_mark)[0]
                self.report("POL002", kpath, key_node, f"duplicate key '{key}' (first on line {first}); "
                            "YAML would silently keep only the last one", "remove or merge one of them")
                continue
            seen[key] = key_node
            self.positions[kpath] = position(key_node.start_mark)
            yield key, key_node, value_node

    def _struct(self, node: yaml.Node, kind: mi.StructType, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self._wrong_type(node, path, "a mapping (key: value lines)")
        fields = {f.encode_name: f for f in kind.fields}
        out: dict[str, Any] = {}
        present: set[str] = set()
        for key, key_node, value_node in self._pairs(node, path):
            present.add(key)
            field = fields.get(key)
            if field is None:
                where = "at the top level" if path == "$" else f"in {path}"
                self.report("POL005", join(path, key), key_node, f"unknown key '{key}' {where}",
                            did_you_mean(key, fields))
            elif not (_is_null(value_node) and _null_means_default(field)):
                value = self.check(value_node, field.type, join(path, key))
                if value is not INVALID:
                    out[key] = value
        for field in kind.fields:
            if field.required and field.encode_name not in present:
                self.report("POL006", path, node, f"{_name(path)} needs '{field.encode_name}'",
                            f"add {field.encode_name}: ...")
        return out

    def _dict(self, node: yaml.Node, kind: mi.DictType, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self._wrong_type(node, path, "a mapping (key: value lines)")
        key_kind = _unwrap(kind.key_type)
        out: dict[str, Any] = {}
        for key, key_node, value_node in self._pairs(node, path):
            known = not isinstance(key_kind, mi.LiteralType) or key in key_kind.values
            if isinstance(key_kind, mi.LiteralType) and not known:
                code, noun, choices = _literal_vocabulary(key_kind)
                self.report(code, join(path, key), key_node, f"unknown {noun} '{key}' in {path}",
                            did_you_mean(key, choices))
            # Checked even under an unknown key: a typo in the key should not hide the value's problems.
            value = self.check(value_node, kind.value_type, join(path, key))
            if known and value is not INVALID:
                out[key] = value
        return out

    def _list(self, node: yaml.Node, kind: mi.ListType, path: str) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self._wrong_type(node, path, "a list", "write a list, e.g. [a, b] or one '- item' per line")
        if kind.min_length is not None and len(node.value) < kind.min_length:
            self.report("POL006", path, node, f"{_name(path)} needs at least {kind.min_length} item(s)",
                        "add an item")
            return INVALID
        items = [self.check(item, kind.item_type, f"{path}[{i}]") for i, item in enumerate(node.value)]
        for i, item in enumerate(node.value):
            self.positions[f"{path}[{i}]"] = position(item.start_mark)
        return INVALID if any(v is INVALID for v in items) else items

    def _union(self, node: yaml.Node, kind: mi.UnionType, path: str) -> Any:
        options = [_unwrap(t) for t in kind.types]
        if _is_null(node) and any(isinstance(t, mi.NoneType) for t in options):
            return None
        shapes: dict[type[yaml.Node], tuple[type[mi.Type], ...]] = {
            yaml.MappingNode: (mi.StructType, mi.DictType), yaml.SequenceNode: (mi.ListType,),
        }
        for option in options:
            if isinstance(option, shapes.get(type(node), ())):
                return self.check(node, option, path)
        scalars = [t for t in options if not isinstance(t, (mi.StructType, mi.DictType, mi.ListType, mi.NoneType))]
        if len(scalars) == 1 and isinstance(node, yaml.ScalarNode):
            return self.check(node, scalars[0], path)
        words = one_of([describe(t) for t in options])
        return self._wrong_type(node, path, words)

    # -- scalars ----------------------------------------------------------------------------------

    def _scalar(self, node: yaml.Node, kind: mi.Type, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return self._wrong_type(node, path, describe(kind))
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self.report("POL001", path, node, f"invalid YAML value: {exc.problem}", "use a plain value")
            return INVALID
        if isinstance(kind, mi.LiteralType):
            return self._literal(node, value, kind, path)
        problem = scalar_problem(value, kind)
        if problem is None:
            return value
        code, message, hint = problem
        if code == "POL004" and isinstance(kind, mi.StrType) and not isinstance(value, str):
            hint = f'quote it: "{node.value}"'
        self.report(code, path, node, f"{_name(path)} {message}", hint)
        return INVALID

    def _literal(self, node: yaml.ScalarNode, value: Any, kind: mi.LiteralType, path: str) -> Any:
        if isinstance(value, str) and value in kind.values:
            return value
        code, noun, choices = _literal_vocabulary(kind)
        raw = str(node.value)
        if not isinstance(value, str) and raw in kind.values:
            self.report("POL004", path, node, f"{_name(path)} must be a string; YAML reads {raw} as "
                        f"{value_words(value)}", f'quote it: "{raw}"')
        elif code == "POL006":
            self.report(code, path, node, f"{_name(path)} must be {one_of(choices)} (got {raw!r})",
                        did_you_mean(raw, choices))
        else:
            self.report(code, path, node, f"unknown {noun} '{raw}'", did_you_mean(raw, choices))
        return INVALID

    def _wrong_type(self, node: yaml.Node, path: str, wanted: str, hint: str = "") -> Any:
        self.report("POL004", path, node, f"{_name(path)} must be {wanted}, got {_node_words(node, self.loader)}",
                    hint)
        return INVALID


def _literal_vocabulary(kind: mi.LiteralType) -> tuple[str, str, tuple[str, ...]]:
    values = frozenset(kind.values)
    for known, code, noun, ordered in _NAMED_LITERALS:
        if values == known:
            return code, noun, ordered
    return "POL006", "value", tuple(str(v) for v in kind.values)


def _unwrap(kind: mi.Type) -> mi.Type:
    return kind.type if isinstance(kind, mi.Metadata) else kind


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _null_means_default(field: mi.Field) -> bool:
    # `analytics:` with nothing under it (or only comments) reads as null: keep the section's defaults.
    return not field.required and isinstance(_unwrap(field.type), (mi.StructType, mi.ListType, mi.DictType))


def _name(path: str) -> str:
    return "the policy" if path == "$" else path


def _node_words(node: yaml.Node, loader: yaml.SafeLoader) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    try:
        return value_words(loader.construct_object(node, deep=True))
    except yaml.YAMLError:
        return "an invalid value"
