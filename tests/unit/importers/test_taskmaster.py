"""Task Master tasks.json -> Build Spec milestones: ids, statuses, criteria, dependencies, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.errors import BrError, SpecError, WorkspaceError
from buildrunner.importers import ImportResult
from buildrunner.importers.taskmaster import convert_taskmaster, load_taskmaster
from tests.unit.support import items_by_id, lint_milestones

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def nodes(result: ImportResult) -> dict[str, dict[str, Any]]:
    return items_by_id(result.milestones)


def lint(result: ImportResult) -> list[str]:
    return lint_milestones(result.milestones)


def task(task_id: Any, title: str = "Task", **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "title": title, "description": "", "status": "pending", "dependencies": [], **fields}


def convert(*tasks: dict[str, Any], **top: Any) -> ImportResult:
    return convert_taskmaster({"tasks": list(tasks), **top}, now=NOW)


# -- the realistic fixtures ---------------------------------------------------------------------------

def test_plain_fixture_maps_tasks_to_steps_and_subtasks_to_microsteps(taskmaster_dir: Path) -> None:
    result = load_taskmaster(taskmaster_dir / "tasks.json", now=NOW)
    assert result.counts() == {"milestones": 1, "steps": 7, "microsteps": 15}
    by_id = nodes(result)
    milestone = result.milestones[0]
    assert (milestone["id"], milestone["title"]) == ("tm-master", "Acme Accounts")
    assert [s["id"] for s in milestone["steps"]] == [f"tm-master-{n}" for n in range(1, 8)]
    assert [m["id"] for m in by_id["tm-master-3"]["microsteps"]] == [
        "tm-master-3.1", "tm-master-3.2", "tm-master-3.3", "tm-master-3.4", "tm-master-3.verify"]
    assert lint(result) == []


def test_task_without_subtasks_becomes_one_actionable_microstep(taskmaster_dir: Path) -> None:
    by_id = nodes(load_taskmaster(taskmaster_dir / "tasks.json", now=NOW))
    step = by_id["tm-master-1"]
    (micro,) = step["microsteps"]
    assert micro["id"] == "tm-master-1.task" and micro["title"] == step["title"] == "Set up project repository"
    assert micro["status"] == "done" and micro["tags"] == ["priority:high"]
    # details are appended to the description
    assert micro["description"].startswith("Create the repository") and "Add ruff and mypy" in micro["description"]
    assert [(c["id"], c["text"], c["met"]) for c in micro["acceptance_criteria"]] == [
        ("ac-1", "CI runs the test suite on every push", True),
        ("ac-2", "README explains how to set up a development environment", True),
    ]
    assert micro["created_at"] == micro["updated_at"] == "2025-07-01T12:00:00Z"


def test_test_strategy_of_a_task_with_subtasks_goes_to_a_final_verify_microstep(taskmaster_dir: Path) -> None:
    by_id = nodes(load_taskmaster(taskmaster_dir / "tasks.json", now=NOW))
    verify = by_id["tm-master-3.verify"]
    assert verify["title"] == "Verify: Implement authentication"
    assert verify["depends_on"] == ["tm-master-3.1", "tm-master-3.2", "tm-master-3.3", "tm-master-3.4"]
    # numbered bullets stripped, blank lines skipped; the task is in progress, its verification is not
    assert [c["text"] for c in verify["acceptance_criteria"]] == [
        "Unit tests for token issue and refresh", "Integration test: login, call a protected route, logout",
        "Brute-force attempts are rate limited"]
    assert verify.get("status", "todo") == "todo"
    assert "tm-master-6.verify" not in by_id  # empty testStrategy: nothing to verify


def test_statuses_tags_and_criteria_follow_the_mapping(taskmaster_dir: Path) -> None:
    by_id = nodes(load_taskmaster(taskmaster_dir / "tasks.json", now=NOW))
    status = {item_id: node.get("status", "todo") for item_id, node in by_id.items() if "." in item_id}
    assert status["tm-master-3.1"] == "done" and status["tm-master-3.2"] == "in_progress"
    assert status["tm-master-3.3"] == "todo" and status["tm-master-3.4"] == "blocked"
    assert status["tm-master-6.1"] == "review"
    deferred, cancelled = by_id["tm-master-4.task"], by_id["tm-master-5.task"]
    assert deferred.get("status", "todo") == "todo" and "deferred" in deferred["tags"]
    assert cancelled["status"] == "done" and cancelled["tags"] == ["cancelled", "priority:low"]
    assert all(c["met"] for c in cancelled["acceptance_criteria"])
    assert [c["text"] for c in by_id["tm-master-3.1"]["acceptance_criteria"]] == [
        "hash and verify round-trip", "rehash when parameters change"]
    assert [c["text"] for c in by_id["tm-master-6.1"]["acceptance_criteria"]] == [
        "Shows curl examples for login and refresh", "Explains token lifetimes"]
    assert not any(c.get("met") for c in by_id["tm-master-3.2"]["acceptance_criteria"])


def test_dependencies_resolve_to_steps_siblings_and_other_subtasks(taskmaster_dir: Path) -> None:
    result = load_taskmaster(taskmaster_dir / "tasks.json", now=NOW)
    by_id = nodes(result)
    assert by_id["tm-master-3"]["depends_on"] == ["tm-master-1", "tm-master-2"]
    assert by_id["tm-master-7"]["depends_on"] == ["tm-master-3"]  # a string task id
    assert by_id["tm-master-3.3"]["depends_on"] == ["tm-master-3.2", "tm-master-2.2"]  # sibling int, "task.sub"
    assert by_id["tm-master-7.1"]["depends_on"] == ["tm-master-3.2"]
    assert by_id["tm-master-3.4"]["depends_on"] == ["tm-master-3.3"]  # 99 dropped
    assert by_id["tm-master-6"]["depends_on"] == ["tm-master-3"]  # 42 dropped
    assert by_id["tm-master-7.2"]["depends_on"] == ["tm-master-7.1"]  # "7", its own task, dropped
    assert len(result.warnings) == 3
    assert any("task 3, subtask 4: dropped the dependency 99" in w for w in result.warnings)
    assert any("task 6: dropped the dependency 42" in w for w in result.warnings)
    assert any("subtask 2: dropped the dependency '7': a subtask cannot wait" in w for w in result.warnings)


def test_tagged_fixture_gives_one_milestone_per_tag(taskmaster_dir: Path) -> None:
    result = load_taskmaster(taskmaster_dir / "tasks-tagged.json", now=NOW)
    assert [(m["id"], m["title"]) for m in result.milestones] == [
        ("tm-master", "Task Master: master"), ("tm-feature-billing", "Task Master: feature-billing")]
    assert result.milestones[1]["description"] == "Billing feature branch"
    by_id = nodes(result)
    # ids repeat across tags in Task Master; the tag prefix keeps them apart
    assert by_id["tm-feature-billing-2"]["depends_on"] == ["tm-feature-billing-1"]
    assert by_id["tm-master-2"]["depends_on"] == ["tm-master-1"]
    assert result.warnings == [] and lint(result) == []


def test_a_project_directory_finds_the_tasks_file(tmp_path: Path, taskmaster_dir: Path) -> None:
    target = tmp_path / ".taskmaster" / "tasks" / "tasks.json"
    target.parent.mkdir(parents=True)
    target.write_bytes((taskmaster_dir / "tasks-tagged.json").read_bytes())
    assert load_taskmaster(tmp_path, now=NOW).counts()["milestones"] == 2


def test_the_same_input_gives_the_same_output(taskmaster_dir: Path) -> None:
    first = load_taskmaster(taskmaster_dir / "tasks.json", now=NOW)
    assert load_taskmaster(taskmaster_dir / "tasks.json", now=NOW) == first


# -- small inputs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "status", "tags"), [
    ("pending", "todo", []), ("in-progress", "in_progress", []), ("review", "review", []), ("done", "done", []),
    ("blocked", "blocked", []), ("deferred", "todo", ["deferred"]), ("cancelled", "done", ["cancelled"]),
    ("In Progress", "in_progress", []), (None, "todo", []),
])
def test_status_mapping(raw: str | None, status: str, tags: list[str]) -> None:
    micro = nodes(convert(task(1, status=raw, testStrategy="works")))["tm-master-1.task"]
    assert (micro.get("status", "todo"), micro.get("tags", [])) == (status, tags)
    assert micro["acceptance_criteria"][0].get("met", False) is (status == "done")


def test_an_unknown_status_is_kept_as_a_tag_with_a_warning() -> None:
    result = convert(task(1, status="waiting-on-legal"))
    micro = nodes(result)["tm-master-1.task"]
    assert micro.get("status", "todo") == "todo" and micro["tags"] == ["status:waiting-on-legal"]
    assert "unknown status 'waiting-on-legal'" in result.warnings[0]


def test_plain_format_titles_and_string_ids() -> None:
    assert convert(task("1")).milestones[0]["title"] == "Task Master import"
    legacy = convert(task("a"), meta={"projectName": "Legacy"})
    assert legacy.milestones[0]["title"] == "Legacy" and "tm-master-a" in nodes(legacy)
    nested = convert(task("1", subtasks=[{"id": "x", "title": "Sub", "dependencies": []}]))
    assert "tm-master-1.x" in nodes(nested)


def test_tags_with_the_same_slug_get_distinct_milestone_ids() -> None:
    data = {"Feature X": {"tasks": [task(1)]}, "feature-x": {"tasks": [task(1)]}}
    result = convert_taskmaster(data, now=NOW)
    assert [m["id"] for m in result.milestones] == ["tm-feature-x", "tm-feature-x-2"]
    assert lint(result) == []


def test_empty_tags_are_left_out_and_non_tags_are_warned_about() -> None:
    data = {"master": {"tasks": [task(1)]}, "empty": {"tasks": []}, "state": {"currentTag": "master"}}
    result = convert_taskmaster(data, now=NOW)
    assert [m["id"] for m in result.milestones] == ["tm-master"]
    assert result.warnings == ["tasks.json: skipped the top-level key 'state': it is not a tag holding tasks"]


def test_malformed_dependencies_are_dropped_not_fatal() -> None:
    result = convert(task(1), task(2, dependencies=[True, None, 1, 1, 2]))
    assert nodes(result)["tm-master-2"]["depends_on"] == ["tm-master-1"]
    assert len(result.warnings) == 3  # True, None, itself; the duplicate 1 is merged silently


# -- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    ([], "expected a JSON object"),
    ({"tasks": "nope"}, 'found no "tasks" list'),
    ({"tasks": [1, 2]}, "tasks must be a list of task objects"),
    ({"tasks": [{"title": "no id"}]}, "tasks[0]: id must be a number or a string"),
    ({"tasks": [task(1), task(1)]}, "two tasks have the id 1"),
    ({"tasks": [task(1, title="  ")]}, "task 1: title is missing or empty"),
    ({"tasks": [task(1, description=["a"])]}, "task 1: description must be a string, got list"),
    ({"tasks": [task(1, dependencies="2")]}, "task 1: dependencies must be a list"),
    ({"tasks": [task(1, subtasks=[{"title": "x"}])]}, "subtasks[0]: id must be a number or string"),
    ({"tasks": [task(1, subtasks=[{"id": 1}])]}, "subtask 1: title is missing or empty"),
    ({"tasks": []}, "holds no tasks; nothing to import"),
    ({"tasks": [task(1, dependencies=[2]), task(2, dependencies=[1])]}, "dependency cycle: tm-master-1"),
])
def test_bad_shapes_raise_a_clear_spec_error(data: Any, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        convert_taskmaster(data, now=NOW, source="tasks.json")
    assert message in str(caught.value)
    assert str(caught.value).startswith("tasks.json")


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text('{\n  "tasks": [\n    {"id": 1,}\n  ]\n}\n')
    with pytest.raises(SpecError, match=r"tasks\.json:3:14: invalid JSON: Expecting property name"):
        load_taskmaster(path)


@pytest.mark.parametrize(("setup", "error", "message"), [
    (lambda p: p / "missing.json", WorkspaceError, "missing.json not found"),
    (lambda p: p, WorkspaceError, "holds no Task Master tasks.json"),
    (lambda p: _write(p / "t.json", b'{"tasks": ["\xff"]}'), SpecError, "not UTF-8"),
])
def test_unreadable_sources(tmp_path: Path, setup: Any, error: type[BrError], message: str) -> None:
    with pytest.raises(error, match=message):
        load_taskmaster(setup(tmp_path))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -- the invariant: whatever the input, the result lints clean (or the import is refused) -----------------

_ids = st.one_of(st.integers(0, 6), st.sampled_from(["1", "2", "3", "1.1", "2.1", "3.2", "x"]), st.booleans())
_statuses = st.sampled_from(["pending", "in-progress", "review", "done", "blocked", "deferred", "cancelled", "odd"])
_strategy = st.sampled_from(["", "works", "- one\n- two\n\n3. three"])
_subtask = st.fixed_dictionaries({
    "id": st.integers(1, 3), "title": st.just("Sub"), "status": _statuses, "testStrategy": _strategy,
    "dependencies": st.lists(_ids, max_size=3),
})
_task = st.fixed_dictionaries({
    "id": st.integers(1, 4), "title": st.just("Task"), "status": _statuses, "testStrategy": _strategy,
    "dependencies": st.lists(_ids, max_size=3),
    "subtasks": st.lists(_subtask, max_size=3, unique_by=lambda sub: sub["id"]),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(_task, min_size=1, max_size=5, unique_by=lambda t: t["id"]))
def test_any_task_list_imports_lint_clean_or_is_refused_for_a_cycle(tasks: list[dict[str, Any]]) -> None:
    try:
        result = convert_taskmaster({"tasks": tasks}, now=NOW)
    except SpecError as exc:
        assert "dependency cycle" in str(exc)
        return
    assert lint(result) == []
