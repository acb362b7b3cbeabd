"""Item-by-item summaries of what changed (`br sync --dry-run`, `br status` ahead)."""

from __future__ import annotations

import copy
from typing import Any

from buildrunner.sync.changes import summarize


def plan() -> dict[str, Any]:
    return {"version": 1, "project": {"name": "Shop"}, "milestones": [
        {"id": "m1", "title": "M1", "steps": [
            {"id": "s1", "title": "S1", "microsteps": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]},
            {"id": "s2", "title": "S2", "microsteps": [{"id": "c", "title": "C", "tags": ["x"]}]}]},
        {"id": "m2", "title": "M2", "steps": []}]}


def test_no_change_is_empty() -> None:
    assert summarize(plan(), plan()).count == 0
    assert summarize(plan(), plan()).describe() == []


def test_field_edits_adds_removes_and_plan_fields() -> None:
    after = plan()
    after["project"]["name"] = "Shop 2"
    steps = after["milestones"][0]["steps"]
    steps[0]["microsteps"][0]["title"] = "A2"
    steps[1]["microsteps"][0]["tags"] = []
    steps[1]["microsteps"].append({"id": "d", "title": "D"})
    after["milestones"].pop()  # m2
    changes = summarize(plan(), after)
    assert changes.changed == {"a": ["title"], "c": ["tags"]}
    assert changes.added == ["d"] and changes.removed == ["m2"] and changes.top == ["project"]
    assert changes.count == 5
    assert changes.describe() == ["added: d", "removed: m2", "changed: a (title), c (tags)", "plan fields: project"]


def test_a_move_is_one_change_of_parent_and_a_reorder_is_named() -> None:
    after = plan()
    moved = after["milestones"][0]["steps"][0]["microsteps"].pop(0)
    after["milestones"][0]["steps"][1]["microsteps"].append(moved)
    after["milestones"][0]["steps"].reverse()
    changes = summarize(plan(), after)
    assert changes.changed == {"a": ["parent"], "m1": ["steps order"]}
    assert changes.added == [] and changes.removed == []


def test_a_removed_subtree_lists_every_item_and_an_added_one_too() -> None:
    after = plan()
    subtree = after["milestones"].pop(0)
    assert sorted(summarize(plan(), after).removed) == ["a", "b", "c", "m1", "s1", "s2"]
    assert summarize({}, plan()).added == ["m1", "s1", "a", "b", "s2", "c", "m2"]  # parents first
    grown = copy.deepcopy(after)
    grown["milestones"].append(subtree)
    assert summarize(after, grown).added == ["m1", "s1", "a", "b", "s2", "c"]


def test_long_lists_are_shortened() -> None:
    after = plan()
    after["milestones"][1]["steps"] = [{"id": f"s{i}", "title": "x"} for i in range(10, 22)]
    assert summarize(plan(), after).describe(limit=3)[0] == "added: s10, s11, s12 and 9 more"


def test_malformed_documents_do_not_crash() -> None:
    assert summarize([], {"milestones": "oops"}).count == 0
    assert summarize({"milestones": [1, {"no": "id"}]}, plan()).count == 8
