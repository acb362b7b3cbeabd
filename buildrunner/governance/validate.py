"""Validate policy bytes: every finding names its path, line, column, a code and how to fix it."""

from __future__ import annotations

from typing import Final

import msgspec
import yaml
from msgspec import inspect as mi

from buildrunner.governance._findings import CODES, Finding, finding
from buildrunner.governance._semantics import check_semantics
from buildrunner.governance._structure import INVALID, StructureWalk, TooManyNodesError
from buildrunner.governance._yaml import compose, position
from buildrunner.governance.model import Policy

__all__ = ["CODES", "MAX_POLICY_BYTES", "Finding", "decode_policy", "dump_policy", "validate_policy_bytes"]

MAX_POLICY_BYTES: Final = 1_000_000


def validate_policy_bytes(data: bytes) -> list[Finding]:
    """Validate the bytes of a ``policy.yml``.

    Args:
        data: the file's content (UTF-8 YAML; an empty file is the default policy).

    Returns:
        The findings sorted by position; empty when the policy is valid.
    """
    return decode_policy(data)[1]


def decode_policy(data: bytes) -> tuple[Policy | None, list[Finding]]:
    """The typed policy and no findings, or None and the findings sorted by position."""
    findings = _check(data)
    if isinstance(findings, Policy):
        return findings, []
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return None, findings


def _check(data: bytes) -> Policy | list[Finding]:
    if len(data) > MAX_POLICY_BYTES:
        return [finding("POL003", "$", f"the file is {len(data):,} bytes; a policy may be at most "
                        f"{MAX_POLICY_BYTES:,}", "shorten the policy")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return [finding("POL001", "$", f"the file is not UTF-8 (byte {exc.start})", "save it as UTF-8",
                        (line, column))]
    root, loader, problem = compose(text)
    if problem is not None:
        return [problem]
    if root is None or loader is None or (isinstance(root, yaml.ScalarNode) and root.tag.endswith(":null")):
        return Policy()  # empty, only comments, or an empty document
    walk = StructureWalk(loader)
    try:
        raw = walk.check(root, mi.type_info(Policy), "$")
    except TooManyNodesError as exc:
        return [finding("POL003", "$", str(exc), "remove the aliases (*name) or shorten the file",
                        position(exc.mark))]
    if walk.findings or raw is INVALID:
        return walk.findings
    try:
        policy = msgspec.convert(raw, Policy)
    except msgspec.ValidationError as exc:  # pragma: no cover - the walk checks what convert checks
        return [finding("POL006", "$", str(exc), "fix the value")]
    return check_semantics(policy, walk.positions) or policy


def dump_policy(policy: Policy) -> bytes:
    """YAML for ``policy``: only what differs from the defaults, in the model's order."""
    value = _prune(msgspec.to_builtins(policy), mi.type_info(Policy))
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True).encode()


def _prune(value: object, kind: mi.Type) -> object:
    # to_builtins writes a section equal to its defaults as {}: drop those sections (only sections: an
    # empty status gate means something).
    if isinstance(kind, mi.StructType) and isinstance(value, dict):
        types = {f.encode_name: f.type for f in kind.fields}
        pruned = {k: _prune(v, types[k]) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not (v == {} and isinstance(types[k], mi.StructType))}
    return value
