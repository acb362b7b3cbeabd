"""Settling reported conflicts: ours keeps the merged (local) value, theirs takes the remote one, value puts a
value; every kind of conflict the merge reports can be settled either way and the plan stays valid."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.merge import Conflict, DeltaError, conflict_id, merge_plans, resolve, resolve_all
from buildrunner.spec.lint import lint_bytes
from tests.unit.merge.plans import Plan, edited, micro_index, plans


def base_plan() -> Plan:
    return {"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s1", "title": "s", "microsteps": [
            {"id": "ms", "title": "t", "status": "todo",
             "acceptance_criteria": [{"id": "ac1", "text": "works", "met": False}]}]},
        {"id": "s2", "title": "s2", "microsteps": []}]}]}


def microstep(plan: Plan, item_id: str = "ms") -> dict[str, Any] | None:
    return next((ms for m in plan["milestones"] for s in m["steps"] for ms in s["microsteps"]
                 if ms["id"] == item_id), None)


def two_ways(edit_local: Any, edit_remote: Any) -> tuple[Plan, Conflict, Plan, Plan]:
    base = base_plan()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    edit_local(local)
    edit_remote(remote)
    result = merge_plans(base, local, remote)
    [conflict] = result.conflicts
    return result.plan, conflict, local, remote


def set_title(title: str) -> Any:
    return lambda p: microstep(p).__setitem__("title", title)  # type: ignore[union-attr]


def test_field_conflict_ours_theirs_and_value() -> None:
    merged, conflict, local, remote = two_ways(set_title("mine"), set_title("theirs"))
    assert conflict.path == "microstep[ms].title"
    assert resolve(merged, conflict, "ours") == local
    assert resolve(merged, conflict, "theirs") == remote
    assert microstep(resolve(merged, conflict, "value", "both"))["title"] == "both"  # type: ignore[index]
    assert microstep(merged)["title"] == "mine"  # type: ignore[index]  # the input is left alone


def test_criterion_field_and_top_level_conflicts() -> None:
    def met(value: bool, text: str) -> Any:
        def edit(p: Plan) -> None:
            microstep(p)["acceptance_criteria"][0]["text"] = text  # type: ignore[index]
            p["project"]["name"] = text
        return edit

    base = base_plan()
    local, remote = copy.deepcopy(base), copy.deepcopy(base)
    met(True, "L")(local)
    met(True, "R")(remote)
    result = merge_plans(base, local, remote)
    assert sorted(c.path for c in result.conflicts) == ["$.project.name",
                                                        "microstep[ms].acceptance_criteria[ac1].text"]
    assert resolve_all(result.plan, [(c, "theirs", None) for c in result.conflicts]) == remote


def test_edit_against_delete_both_ways() -> None:
    def delete(p: Plan) -> None:
        p["milestones"][0]["steps"][0]["microsteps"] = []

    merged, conflict, local, remote = two_ways(set_title("edited"), delete)
    assert conflict.kind == "edit-delete"
    assert resolve(merged, conflict, "ours") == local
    assert resolve(merged, conflict, "theirs") == remote
    merged, conflict, local, remote = two_ways(delete, set_title("edited"))
    assert resolve(merged, conflict, "ours") == local
    assert resolve(merged, conflict, "theirs") == remote


def test_two_moves_take_the_chosen_parent() -> None:
    def move_to(step: str) -> Any:
        def edit(p: Plan) -> None:
            ms = p["milestones"][0]["steps"][0]["microsteps"].pop()
            p["milestones"][0]["steps"].append({"id": step, "title": step, "microsteps": [ms]})
        return edit

    merged, conflict, _, _ = two_ways(move_to("sL"), move_to("sR"))
    assert conflict.kind == "move"
    # Both sides added their step: the merge keeps both; the microstep sits where the choice says.
    holder = {s["id"]: s for s in resolve(merged, conflict, "theirs")["milestones"][0]["steps"]}
    assert [ms["id"] for ms in holder["sR"]["microsteps"]] == ["ms"] and holder["sL"]["microsteps"] == []
    holder = {s["id"]: s for s in resolve(merged, conflict, "ours")["milestones"][0]["steps"]}
    assert [ms["id"] for ms in holder["sL"]["microsteps"]] == ["ms"]
    with pytest.raises(DeltaError, match="no step 'nowhere'"):
        resolve(merged, conflict, "value", "nowhere")


@pytest.mark.parametrize(("path", "choice", "message"), [
    ("title", "theirs", "is not a conflict path"),
    ("microstep[ms]..title", "theirs", "is not a conflict path"),
    ("microstep[gone].title", "theirs", "the plan has no microstep 'gone'"),
    ("microstep[ms].acceptance_criteria[zz].text", "theirs", "the plan has no element 'zz' there"),
    ("microstep[ms].title", "mine", "choose one of ours, theirs, value"),
])
def test_a_settlement_that_does_not_fit_is_refused(path: str, choice: Any, message: str) -> None:
    plan = base_plan()
    with pytest.raises(DeltaError, match=message):
        resolve(plan, Conflict(path=path, kind="field", local="a", remote="b"), choice)
    assert plan == base_plan()


def test_conflict_ids_are_short_stable_and_distinct() -> None:
    a, b = Conflict(path="microstep[a].title", kind="field"), Conflict(path="microstep[b].title", kind="field")
    assert conflict_id(a) == conflict_id(Conflict(path="microstep[a].title", kind="field", local=1))
    assert conflict_id(a) != conflict_id(b) and len(conflict_id(a)) == 8


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data(), st.sampled_from(["ours", "theirs"]))
def test_any_merge_settled_one_way_is_a_valid_plan_without_conflicts(base: Plan, data: st.DataObject,
                                                                      choice: Any) -> None:
    ids = list(micro_index(base))
    local, _ = data.draw(edited(base, ids, "L"))
    remote, _ = data.draw(edited(base, ids, "R"))
    result = merge_plans(base, local, remote)
    settled = resolve_all(result.plan, [(c, choice, None) for c in result.conflicts])
    assert lint_bytes(json.dumps(settled).encode()) == []
    # Settled one way, the plan agrees with that side wherever the two disagreed: merging again is clean.
    side = local if choice == "ours" else remote
    assert merge_plans(base, settled, side).clean
