"""Merge properties over random plans and random edit scripts (hypothesis)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.merge import merge_plans
from buildrunner.spec.lint import lint_bytes

Plan = dict[str, Any]
STATUSES = ["todo", "in_progress", "blocked", "review"]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = iter(range(100_000))
    milestones = []
    for _ in range(draw(st.integers(1, 3))):
        steps = []
        for _ in range(draw(st.integers(1, 3))):
            micros = [
                {"id": f"ms{next(n)}", "title": "t", "status": draw(st.sampled_from(STATUSES)),
                 "tags": draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True)),
                 "acceptance_criteria": [{"id": f"ac{k}", "text": "c", "met": False}
                                         for k in range(draw(st.integers(0, 2)))],
                 **({"x_extra": {"keep": True}} if draw(st.booleans()) else {})}
                for _ in range(draw(st.integers(0, 4)))
            ]
            steps.append({"id": f"s{next(n)}", "title": "s", "microsteps": micros})
        milestones.append({"id": f"m{next(n)}", "title": "m", "steps": steps})
    return {"version": 1, "project": {"name": "p"}, "milestones": milestones, "x_top": [1, 2]}


def micro_index(plan: Plan) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {ms["id"]: (ms, step) for m in plan["milestones"] for step in m["steps"] for ms in step["microsteps"]}


def steps_of(plan: Plan) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for m in plan["milestones"] for s in m["steps"]}


Edit = Callable[[Plan], None]


def edit_ops(target: str, new_id: str, step_choice: int, status: str, tag: str) -> list[Edit]:
    """Edits that touch only ``target`` (or add ``new_id``): a side's edit script is built from these."""

    def set_status(p: Plan) -> None:
        micro_index(p)[target][0]["status"] = status

    def retitle(p: Plan) -> None:
        micro_index(p)[target][0]["title"] = f"t-{new_id}"

    def add_tag(p: Plan) -> None:
        tags = micro_index(p)[target][0].setdefault("tags", [])
        if tag not in tags:
            tags.append(tag)

    def check_all(p: Plan) -> None:
        for c in micro_index(p)[target][0]["acceptance_criteria"]:
            c["met"] = not c["met"]

    def add_criterion(p: Plan) -> None:
        micro_index(p)[target][0]["acceptance_criteria"].append({"id": f"ac-{new_id}", "text": "new", "met": False})

    def move(p: Plan) -> None:
        ms, step = micro_index(p)[target]
        step["microsteps"].remove(ms)
        steps = list(steps_of(p).values())
        steps[step_choice % len(steps)]["microsteps"].append(ms)

    def delete(p: Plan) -> None:
        ms, step = micro_index(p)[target]
        step["microsteps"].remove(ms)

    def add(p: Plan) -> None:
        steps = list(steps_of(p).values())
        steps[step_choice % len(steps)]["microsteps"].append({"id": new_id, "title": "added", "status": "todo"})

    return [set_status, retitle, add_tag, check_all, add_criterion, move, delete, add]


@st.composite
def edited(draw: st.DrawFn, base: Plan, owned: list[str], side: str) -> tuple[Plan, list[tuple[str, int, str]]]:
    """Apply a random script of edits, each to a microstep this side owns (or adding a new one)."""
    plan = copy.deepcopy(base)
    script = []
    alive = list(owned)
    for k in range(draw(st.integers(0, 6))):
        op = draw(st.integers(0, 7))
        new_id = f"{side}{k}"
        if op != 7 and not alive:
            continue
        target = draw(st.sampled_from(alive)) if op != 7 else new_id
        edit_ops(target, new_id, draw(st.integers(0, 20)), draw(st.sampled_from(STATUSES)),
                 draw(st.sampled_from(["a", "b", "x"])))[op](plan)
        script.append((target, op, new_id))
        if op == 6:
            alive.remove(target)
    return plan, script


def normalise(plan: Plan) -> Plan:
    """Sort children by id: the order of concurrent additions is a merge choice, not content."""
    out = copy.deepcopy(plan)
    for m in out["milestones"]:
        for s in m["steps"]:
            s["microsteps"].sort(key=lambda x: x["id"])
    return out


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
