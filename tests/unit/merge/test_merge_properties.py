"""Merge properties over random plans and random edit scripts (hypothesis)."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.merge import merge_plans
from buildrunner.spec.lint import lint_bytes
from tests.unit.merge.plans import Plan, edited, micro_index, normalise, plans, steps_of


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_identity_laws(base: Plan, data: st.DataObject) -> None:
    ids = list(micro_index(base))
    x, _ = data.draw(edited(base, ids, "x"))
    assert merge_plans(base, x, base).plan == x
    assert merge_plans(base, base, x).plan == x
    same = merge_plans(base, x, copy.deepcopy(x))
    assert same.clean and same.plan == x


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_disjoint_edits_merge_cleanly_and_all_survive(base: Plan, data: st.DataObject) -> None:
    ids = list(micro_index(base))
    mine = set(data.draw(st.sets(st.sampled_from(ids))) if ids else set())
    local, _ = data.draw(edited(base, [i for i in ids if i in mine], "L"))
    remote, remote_script = data.draw(edited(base, [i for i in ids if i not in mine], "R"))
    result = merge_plans(base, local, remote)
    assert result.clean, result.conflicts
    # Replaying both scripts one after the other gives the same content as the merge.
    expected = copy.deepcopy(local)
    for target, _, _ in remote_script:
        _replay(expected, remote, target)
    assert normalise(result.plan) == normalise(expected)
    assert lint_bytes(json.dumps(result.plan).encode()) == []
    assert result.plan["x_top"] == [1, 2]


def _replay(plan: Plan, remote: Plan, target: str) -> None:
    """Make ``plan``'s copy of ``target`` match ``remote`` (where the remote script left it)."""
    where = micro_index(plan)
    there = micro_index(remote)
    if target in where:
        ms, step = where[target]
        step["microsteps"].remove(ms)
    if target in there:
        ms, step = there[target]
        steps_of(plan)[step["id"]]["microsteps"].append(copy.deepcopy(ms))


def test_same_field_changed_two_ways_is_a_conflict_with_all_three_values() -> None:
    base = {"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s", "title": "s", "microsteps": [{"id": "ms", "title": "t", "status": "todo"}]}]}]}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["milestones"][0]["steps"][0]["microsteps"][0]["status"] = "done"
    remote["milestones"][0]["steps"][0]["microsteps"][0]["status"] = "blocked"
    result = merge_plans(base, local, remote)
    [conflict] = result.conflicts
    assert (conflict.path, conflict.kind) == ("microstep[ms].status", "field")
    assert (conflict.base, conflict.local, conflict.remote) == ("todo", "done", "blocked")


def test_edit_against_delete_is_a_conflict_and_nothing_is_lost() -> None:
    base = {"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s", "title": "s", "microsteps": [{"id": "ms", "title": "t"}]}]}]}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    local["milestones"][0]["steps"][0]["microsteps"][0]["title"] = "edited"
    remote["milestones"][0]["steps"] = []
    result = merge_plans(base, local, remote)
    assert {c.kind for c in result.conflicts} == {"edit-delete"}
    assert result.plan["milestones"][0]["steps"][0]["microsteps"][0]["title"] == "edited"


def test_move_on_one_side_and_edit_on_the_other_merge() -> None:
    base = {"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s1", "title": "s", "microsteps": [{"id": "ms", "title": "t", "status": "todo"}]},
        {"id": "s2", "title": "s", "microsteps": []}]}]}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    moved = local["milestones"][0]["steps"][0]["microsteps"].pop()
    local["milestones"][0]["steps"][1]["microsteps"].append(moved)
    remote["milestones"][0]["steps"][0]["microsteps"][0]["status"] = "in_progress"
    result = merge_plans(base, local, remote)
    assert result.clean
    assert result.plan["milestones"][0]["steps"][0]["microsteps"] == []
    moved_in = result.plan["milestones"][0]["steps"][1]["microsteps"]
    assert moved_in == [{"id": "ms", "title": "t", "status": "in_progress"}]


def test_edits_of_different_fields_of_one_item_merge_and_keep_the_later_update_time() -> None:
    base = {"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s", "title": "s", "microsteps": [
            {"id": "ms", "title": "t", "status": "todo", "updated_at": "2026-11-01T10:00:00Z"}]}]}]}
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    mine = local["milestones"][0]["steps"][0]["microsteps"][0]
    theirs = remote["milestones"][0]["steps"][0]["microsteps"][0]
    mine.update(title="retitled", updated_at="2026-11-02T09:00:00Z")
    theirs.update(status="in_progress", updated_at="2026-11-02T08:00:00Z")
    result = merge_plans(base, local, remote)
    assert result.clean
    assert result.plan["milestones"][0]["steps"][0]["microsteps"][0] == {
        "id": "ms", "title": "retitled", "status": "in_progress", "updated_at": "2026-11-02T09:00:00Z"}
