"""Scalar checks of the policy validator: types, ranges, formats, and how to say what a value is."""

from __future__ import annotations

import math
import re
from typing import Any, Final

from msgspec import inspect as mi

from buildrunner.governance._findings import one_of

__all__ = ["describe", "number", "scalar_problem", "value_words"]


def scalar_problem(value: Any, kind: mi.Type) -> tuple[str, str, str] | None:
    """(code, message, hint) when ``value`` does not fit the scalar type ``kind``."""
    if isinstance(kind, mi.BoolType):
        return None if isinstance(value, bool) else ("POL004", f"must be true or false, got {value_words(value)}", "")
    if isinstance(kind, mi.IntType):
        if not isinstance(value, int) or isinstance(value, bool):
            return "POL004", f"must be a whole number, got {value_words(value)}", ""
        return _range_problem(value, kind)
    if isinstance(kind, mi.FloatType):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return "POL004", f"must be a number, got {value_words(value)}", ""
        if not math.isfinite(value):
            return "POL006", f"must be a finite number (got {value})", ""
        return _range_problem(value, kind)
    if isinstance(kind, mi.StrType):
        if not isinstance(value, str):
            return "POL004", f"must be a string, got {value_words(value)}", ""
        return _string_problem(value, kind)
    if isinstance(kind, mi.NoneType):
        return None if value is None else ("POL004", f"must be null, got {value_words(value)}", "")
    return "POL004", f"has an unsupported type {type(kind).__name__}", ""  # pragma: no cover - model uses none


def _range_problem(value: float, kind: mi.IntType | mi.FloatType) -> tuple[str, str, str] | None:
    low, high = kind.ge, kind.le
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if low is not None and high is not None:
        wanted = f"between {number(low)} and {number(high)}"
    else:
        wanted = f"at least {number(low)}" if low is not None else f"at most {number(high)}"
    hint = f"set a value {wanted}"
    if high == 1 and 1 < value <= 100:
        hint = f"this is a fraction: write {number(value / 100)} for {number(value)}%"
    return "POL006", f"must be {wanted} (got {number(value)})", hint


def number(value: float | None) -> str:
    """A number as a person would write it in the file: ``30000``, ``0.5``, ``1e+30``."""
    if isinstance(value, int):
        return str(value)
    if value is not None and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}" if value is not None else ""


def _string_problem(value: str, kind: mi.StrType) -> tuple[str, str, str] | None:
    if kind.min_length is not None and len(value) < kind.min_length:
        return "POL006", "must not be empty", "write a value"
    if kind.max_length is not None and len(value) > kind.max_length:
        return "POL006", f"is longer than {kind.max_length} characters", "shorten it"
    if kind.pattern is not None and not re.search(kind.pattern, value):
        return "POL006", f"has an invalid format ({value!r})", _PATTERN_HINTS.get(kind.pattern, "")
    return None


_PATTERN_HINTS: Final = {
    r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$": "use a language tag such as en, pt-BR or zh-Hant",
    r"^[A-Za-z][A-Za-z0-9 _-]*$": "use a phase name such as QA or Beta (letters, digits, spaces, - and _)",
}


def describe(kind: mi.Type) -> str:
    kind = kind.type if isinstance(kind, mi.Metadata) else kind
    words = {mi.BoolType: "true or false", mi.IntType: "a whole number", mi.FloatType: "a number",
             mi.StrType: "a string", mi.NoneType: "null", mi.ListType: "a list", mi.StructType: "a mapping",
             mi.DictType: "a mapping"}
    if isinstance(kind, mi.LiteralType):
        return one_of(str(v) for v in kind.values)
    return words.get(type(kind), "a value")


def value_words(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    if isinstance(value, int | float):
        return f"the number {number(value)}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"a {type(value).__name__}"
