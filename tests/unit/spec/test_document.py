"""Read-modify-write of a plan: edits touch only what they are about; unknown fields survive."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildrunner.errors import NotFoundError, SpecError
from buildrunner.spec.document import PlanDocument
from buildrunner.spec.lint import lint_bytes

# JSON values for unknown fields: anything a newer version or another tool might write.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
unknown_keys = st.text(min_size=1, max_size=12).map(lambda k: f"x_{k}")
extras = st.dictionaries(unknown_keys, json_values, max_size=3)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid plans with unknown fields sprinkled at every level."""
    counter = iter(range(10_000))
    milestones = []
    for _ in range(draw(st.integers(1, 3))):
        steps = []
        for _ in range(draw(st.integers(1, 3))):
            micros = []
            for _ in range(draw(st.integers(1, 4))):
                criteria = [
                    {"id": f"ac{k}", "text": draw(st.text(max_size=10)), "met": draw(st.booleans()), **draw(extras)}
                    for k in range(draw(st.integers(0, 2)))
                ]
                status = draw(st.sampled_from(["todo", "in_progress", "blocked", "review"]))
                micros.append({"id": f"ms{next(counter)}", "title": draw(st.text(min_size=1, max_size=15).filter(
                    str.strip)), "status": status, "acceptance_criteria": criteria, **draw(extras)})
            steps.append({"id": f"s{next(counter)}", "title": "step", "microsteps": micros, **draw(extras)})
        milestones.append({"id": f"m{next(counter)}", "title": "milestone", "steps": steps, **draw(extras)})
    return {"version": 1, "project": {"name": "p", **draw(extras)}, "milestones": milestones, **draw(extras)}


def load(raw: dict[str, Any]) -> PlanDocument:
    return PlanDocument.from_bytes(json.dumps(raw).encode())


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_round_trip_without_edits_keeps_everything(raw: dict[str, Any]) -> None:
    document = load(raw)
    assert msgspec.json.decode(document.to_bytes()) == raw


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), st.data())
def test_edits_change_only_their_fields(raw: dict[str, Any], data: st.DataObject) -> None:
    document = load(raw)
    micro_ids = [k for k, v in document.index.items() if v.kind == "microstep"]
    target = data.draw(st.sampled_from(micro_ids))
    status = data.draw(st.sampled_from(["todo", "in_progress", "blocked", "review"]))
    document.set_status(target, status)
    criteria = document.find(target).node.get("acceptance_criteria", [])
    for criterion in criteria:
        document.check(target, criterion["id"])
    step_id = document.find(target).parent["id"]  # type: ignore[index]
    added = document.add_microstep(step_id, "new work", criteria=["it works"])
    after = msgspec.json.decode(document.to_bytes())
    assert lint_bytes(document.to_bytes()) == []

    def strip(node: Any, in_target: bool = False) -> Any:
        # Remove what the edits legitimately changed; everything else must equal the original.
        if isinstance(node, dict):
            if node.get("id") == added["id"]:
                return None
            here = in_target or node.get("id") == target
            changed = {"status", "updated_at"} if node.get("id") == target else {"met"} if in_target else set()
            return {k: strip(v, here) for k, v in node.items() if k not in changed}
        if isinstance(node, list):
            return [s for s in (strip(v, in_target) for v in node) if s is not None]
        return node

    assert strip(after) == strip(raw)
    edited = document.find(target).node
    assert edited["status"] == status
    assert all(c["met"] for c in edited.get("acceptance_criteria", []))


def test_from_bytes_rejects_invalid_plans() -> None:
    with pytest.raises(SpecError, match="br lint"):
        PlanDocument.from_bytes(b'{"version": 1}')


def test_find_by_unique_prefix_and_ambiguity() -> None:
    doc = load({"version": 1, "project": {"name": "p"}, "milestones": [
        {"id": "m-abc", "title": "a"}, {"id": "m-abd", "title": "b"}]})
    assert doc.find("m-abc").node["title"] == "a"
    assert doc.find("m-abd").node["title"] == "b"
    with pytest.raises(NotFoundError, match="ambiguous"):
        doc.find("m-ab")
    with pytest.raises(NotFoundError, match="no milestone"):
        doc.find("zzz")
    with pytest.raises(NotFoundError, match="is a milestone, not a step"):
        doc.find("m-abc", "step")


def test_done_requires_met_criteria_and_names_them() -> None:
    doc = load({"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m", "steps": [
        {"id": "s", "title": "s", "microsteps": [{"id": "ms", "title": "t", "acceptance_criteria": [
            {"id": "ac1", "text": "a"}, {"id": "ac2", "text": "b", "met": True}]}]}]}]})
    with pytest.raises(SpecError, match="ac1"):
        doc.set_status("ms", "done")
    doc.check("ms", "ac1")
    assert doc.set_status("ms", "done")["status"] == "done"
    with pytest.raises(SpecError, match="move it out of done"):
        doc.check("ms", "ac1", met=False)
    with pytest.raises(NotFoundError, match="it has: ac1, ac2"):
        doc.check("ms", "ac9")


def test_add_rejects_empty_titles_taken_ids_and_unknown_dependencies() -> None:
    doc = load({"version": 1, "project": {"name": "p"}, "milestones": [{"id": "m", "title": "m"}]})
    with pytest.raises(SpecError, match="title cannot be empty"):
        doc.add_step("m", "  ")
    with pytest.raises(SpecError, match="already used"):
        doc.add_step("m", "x", item_id="m")
    with pytest.raises(NotFoundError, match="unknown ids: nope"):
        doc.add_step("m", "x", depends_on=["nope"])
    with pytest.raises(SpecError, match="note cannot be empty"):
        doc.add_note("m", " ")
