"""Findings of the policy validator: a code, the key's path, its line and column, and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Final

import msgspec

CODES: Final = {
    "POL001": "invalid-yaml",
    "POL002": "duplicate-key",
    "POL003": "too-large",
    "POL004": "wrong-type",
    "POL005": "unknown-key",
    "POL006": "invalid-value",
    "POL007": "unknown-role",
    "POL008": "unknown-status",
    "POL009": "unknown-transition",
    "POL010": "conflicting-values",
    "POL011": "unsupported-version",
    "POL012": "read-only-role",
}


class Finding(msgspec.Struct, kw_only=True):
    """One problem in a policy file.

    ``path`` is dotted (``sync_backoff.max_ms``, ``approvals.policy_change[0]``; ``$`` for the whole file);
    ``line`` and ``column`` count from 1 (0 when unknown); ``hint`` says how to fix it.
    """

    code: str
    name: str
    path: str
    message: str
    hint: str = ""
    line: int = 0
    column: int = 0


def finding(code: str, path: str, message: str, hint: str = "", position: tuple[int, int] = (0, 0)) -> Finding:
    """A finding with the name that goes with ``code``."""
    return Finding(code=code, name=CODES[code], path=path, message=message, hint=hint,
                   line=position[0], column=position[1])


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the closest choice (case-insensitive first), else the list of choices."""
    options = list(choices)
    folded = {c.casefold(): c for c in options}
    close = folded.get(word.casefold())
    if close is None:
        matches = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
        close = folded[matches[0]] if matches else None
    if close is not None:
        return f"did you mean '{close}'?"
    return "use one of: " + ", ".join(options)


def one_of(words: Iterable[str], conjunction: str = "or") -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
