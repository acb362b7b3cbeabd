"""Random Build Specs and random edit scripts for the merge, delta and resolve properties (hypothesis)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

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
