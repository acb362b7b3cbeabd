"""Property: any valid policy survives dump → validate → load unchanged (the strategy follows the model)."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec import inspect as mi

from buildrunner.governance import Policy, decode_policy, dump_policy
from buildrunner.governance._semantics import check_semantics


def strategy(kind: mi.Type) -> st.SearchStrategy[Any]:
    """Values of ``kind`` within its constraints, as plain data (what YAML would hold)."""
    if isinstance(kind, mi.Metadata):
        return strategy(kind.type)
    if isinstance(kind, mi.StructType):
        fields = {f.encode_name: strategy(f.type) for f in kind.fields}
        required = {f.encode_name for f in kind.fields if f.required}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
    if isinstance(kind, mi.DictType):
        return st.dictionaries(strategy(kind.key_type), strategy(kind.value_type), max_size=3)
    if isinstance(kind, mi.ListType):
        return st.lists(strategy(kind.item_type), min_size=kind.min_length or 0, max_size=3)
    if isinstance(kind, mi.UnionType):
        return st.one_of([strategy(t) for t in kind.types])
    return _scalar(kind)


def _scalar(kind: mi.Type) -> st.SearchStrategy[Any]:
    if isinstance(kind, mi.LiteralType):
        return st.sampled_from(kind.values)
    if isinstance(kind, mi.BoolType):
        return st.booleans()
    if isinstance(kind, mi.NoneType):
        return st.none()
    if isinstance(kind, mi.IntType):
        return st.integers(min_value=kind.ge, max_value=kind.le if kind.le is not None else 10**9)
    if isinstance(kind, mi.FloatType):
        return st.floats(min_value=kind.ge, max_value=kind.le if kind.le is not None else 1e9, allow_nan=False)
    if isinstance(kind, mi.StrType):
        if kind.pattern is not None:
            longest = kind.max_length
            return st.from_regex(kind.pattern, fullmatch=True).filter(lambda s: longest is None or len(s) <= longest)
        return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=kind.min_length or 0,
                       max_size=20)
    raise AssertionError(f"no strategy for {kind}")


# Semantically contradictory policies (min_ms > max_ms ...) are valid YAML but not valid policies: left out.
policies = strategy(mi.type_info(Policy)).map(lambda raw: msgspec.convert(raw, Policy)).filter(
    lambda policy: not check_semantics(policy, {}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(policies)
def test_dump_then_load_round_trips(policy: Policy) -> None:
    loaded, findings = decode_policy(dump_policy(policy))
    assert findings == []
    assert loaded == policy


def test_the_default_policy_dumps_to_almost_nothing() -> None:
    assert dump_policy(Policy()) == b"{}\n"
    assert decode_policy(b"{}\n") == (Policy(), [])
