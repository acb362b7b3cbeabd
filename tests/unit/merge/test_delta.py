"""Deltas: applying diff(base, new) to base gives new exactly (key order included), and the size follows the
change, not the document; a delta that does not fit is refused with the path named."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.merge import DeltaError, apply_delta, diff
from tests.unit.merge.plans import Plan, edited, micro_index, plans

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=20,
)


def exact(value: Any) -> str:
    return json.dumps(value)  # key order and int/bool distinctions included


@settings(max_examples=300, deadline=None)
@given(JSON, JSON)
def test_apply_of_diff_rebuilds_any_json_value_exactly(base: Any, new: Any) -> None:
    delta = diff(base, new)
    assert exact(apply_delta(copy.deepcopy(base), delta)) == exact(new) or (base == new and delta is None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_apply_of_diff_rebuilds_an_edited_plan_and_leaves_the_base_alone(base: Plan, data: st.DataObject) -> None:
    new, _ = data.draw(edited(base, list(micro_index(base)), "x"))
    before = exact(base)
    delta = diff(base, new)
    wire = msgspec.json.decode(msgspec.json.encode(delta))  # what crosses the network
    assert exact(apply_delta(base, wire)) == exact(new)
    assert exact(base) == before
    assert (delta is None) == (base == new)


def big_plan(microsteps: int) -> Plan:
    per_step = 20
    steps = [{"id": f"s{i}", "title": f"step {i}", "microsteps": [
        {"id": f"ms{i}-{k}", "title": f"microstep {i}-{k} with a realistic title", "status": "todo",
         "acceptance_criteria": [{"id": "ac1", "text": "it works end to end", "met": False}]}
        for k in range(per_step)]} for i in range(microsteps // per_step)]
    return {"version": 1, "project": {"name": "big"}, "milestones": [{"id": "m1", "title": "m", "steps": steps}]}


def test_a_delta_grows_with_the_change_not_with_the_plan() -> None:
    sizes = []
    for count in (1_000, 10_000):
        base = big_plan(count)
        new = copy.deepcopy(base)
        for step in new["milestones"][0]["steps"][:5]:
            step["microsteps"][0]["status"] = "done"
        sizes.append(len(msgspec.json.encode(diff(base, new))))
    assert sizes[0] == sizes[1]
    assert sizes[1] < 1_000


def test_an_added_microstep_sends_the_microstep_and_its_steps_ids_only() -> None:
    base = big_plan(1_000)
    new = copy.deepcopy(base)
    new["milestones"][0]["steps"][3]["microsteps"].insert(1, {"id": "new", "title": "added", "status": "todo"})
    delta = diff(base, new)
    assert apply_delta(base, delta) == new
    assert len(msgspec.json.encode(delta)) < 600


def test_key_order_and_removed_keys_are_kept() -> None:
    base = {"a": 1, "b": 2, "c": 3}
    new = {"c": 3, "a": 1, "d": 4}
    assert list(apply_delta(base, diff(base, new))) == ["c", "a", "d"]


@pytest.mark.parametrize(("base", "delta", "message"), [
    ({"a": 1}, [1], "$: a delta node must be an object, got a list"),
    ({"a": 1}, {}, "$: a delta node must be an object"),
    ({"a": 1}, {"o": {"b": {"o": {}}}}, "$.b: the document has no such key to edit"),
    ({"a": 1}, {"o": {}, "x": ["zz"]}, "$: cannot remove 'zz'"),
    ([1, 2], {"o": {}}, "$: the delta edits an object but the document has a list"),
    ({"a": [{"id": "x"}]}, {"o": {"a": {"p": {"y": {"=": 1}}}}}, "$.a[y]: the document has no such element"),
    ({"a": [{"id": "x"}]}, {"o": {"a": {"p": {}, "l": ["x", 5]}}}, "$.a: a list entry is an id or"),
    ({"a": 1}, {"=": 1, "o": {}}, "$: a replacement node holds only '='"),
    ({"a": 1}, {"zz": 1}, "$: unknown delta node"),
    ({"a": 1, "b": 2}, {"o": {}, "k": ["a"]}, "$: the key order does not list the object's keys"),
])
def test_a_delta_that_does_not_fit_is_refused_with_its_path(base: Any, delta: Any, message: str) -> None:
    before = exact(base)
    with pytest.raises(DeltaError) as caught:
        apply_delta(base, delta)
    assert str(caught.value).startswith(message)
    assert exact(base) == before
