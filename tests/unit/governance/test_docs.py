"""docs/policy.md names every field of the model and every finding code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from msgspec import inspect as mi

from buildrunner.governance import CODES, TRANSITIONS, Policy

DOC = (Path(__file__).parents[3] / "docs" / "policy.md").read_text()
_PLACEHOLDERS = {"status_gates": "<status>", "approvals": "<transition>"}


def field_paths(kind: mi.Type, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every leaf field; mapping keys become the doc's placeholders."""
    if isinstance(kind, mi.UnionType):
        for option in kind.types:
            yield from field_paths(option, prefix)
        return
    if isinstance(kind, mi.DictType):
        yield from field_paths(kind.value_type, f"{prefix}.{_PLACEHOLDERS[prefix]}")
        return
    if not isinstance(kind, mi.StructType):
        yield prefix
        return
    for field in kind.fields:
        yield from field_paths(field.type, f"{prefix}.{field.encode_name}" if prefix else field.encode_name)


def test_every_field_is_documented() -> None:
    paths = {p for p in field_paths(mi.type_info(Policy)) if not p.startswith("public_launch.rate_limits.")}
    assert len(paths) > 60
    missing = sorted(p for p in paths if f"`{p}`" not in DOC)
    assert missing == []


def test_every_code_and_transition_is_documented() -> None:
    for code, name in CODES.items():
        assert f"| {code} | {name} |" in DOC
    for transition in TRANSITIONS:
        assert f"| `{transition}` |" in DOC
