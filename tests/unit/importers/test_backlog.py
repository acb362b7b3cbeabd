"""Backlog.md files -> Build Spec milestones: parsing, mapping, dependencies, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.importers import ImportResult
from buildrunner.importers._backlog_files import parse_task
from buildrunner.importers.backlog import BacklogTask, convert_backlog, load_backlog
from tests.unit.support import items_by_id, lint_milestones

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def nodes(result: ImportResult) -> dict[str, dict[str, Any]]:
    return items_by_id(result.milestones)


def lint(result: ImportResult) -> list[str]:
    return lint_milestones(result.milestones)


def bt(task_id: str, **fields: Any) -> BacklogTask:
    return BacklogTask(id=task_id, title=fields.pop("title", f"Title of {task_id}"), file=f"{task_id}.md", **fields)


def write_task(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


# -- the realistic fixture --------------------------------------------------------------------------------

def test_fixture_maps_milestones_steps_and_microsteps(backlog_root: Path) -> None:
    result = load_backlog(backlog_root / "backlog", now=NOW)
    assert result.counts() == {"milestones": 2, "steps": 3, "microsteps": 7}
    assert [(m["id"], m["title"]) for m in result.milestones] == [("backlog-m-1", "v1 launch"), ("backlog", "Backlog")]
    assert result.milestones[0]["description"].startswith("Everything a first customer needs")
    assert [s["id"] for s in result.milestones[0]["steps"]] == ["backlog-m-1-tasks", "task-2-step"]
    by_id = nodes(result)
    assert [m["id"] for m in by_id["task-2-step"]["microsteps"]] == ["task-2.1", "task-2.2", "task-2"]
    # completed/ is read, drafts/ and archive/ are not; task-10 sorts after task-4
    assert [m["id"] for m in by_id["backlog-tasks"]["microsteps"]] == ["task-3", "task-4", "task-10"]
    assert lint(result) == []


def test_project_root_and_backlog_dir_give_the_same_result(backlog_root: Path) -> None:
    assert load_backlog(backlog_root, now=NOW) == load_backlog(backlog_root / "backlog", now=NOW)


def test_fields_statuses_criteria_and_notes(backlog_root: Path) -> None:
    by_id = nodes(load_backlog(backlog_root, now=NOW))
    login, reset, parent = by_id["task-2.1"], by_id["task-2.2"], by_id["task-2"]
    assert login["status"] == "done" and login["owner"] == "alice"
    assert login["tags"] == ["auth", "frontend", "priority:high"]
    assert [(c["id"], c["text"], c["met"]) for c in login["acceptance_criteria"]] == [
        ("ac-1", "Wrong credentials show an error next to the form", True),
        ("ac-2", "Successful login redirects to the dashboard", True)]
    assert login["notes"] == [{"id": "note-1", "text": "Errors are announced through an aria-live region.",
                               "created_at": "2025-06-08T16:20:00Z"}]
    assert (login["created_at"], login["updated_at"]) == ("2025-06-03T10:00:00Z", "2025-06-08T16:20:00Z")
    assert reset.get("status", "todo") == "todo" and reset["owner"] == "bob" and "assignee:carol" in reset["tags"]
    assert reset["updated_at"] == reset["created_at"]  # no updated_date: the creation time
    assert parent["status"] == "in_progress"
    assert "Implementation plan:\n\n1. Login form and session cookie" in parent["description"]
    assert "<!--" not in parent["description"]


def test_dependencies_and_parent_links(backlog_root: Path) -> None:
    result = load_backlog(backlog_root, now=NOW)
    by_id = nodes(result)
    assert by_id["task-2-step"]["depends_on"] == ["task-1"]
    assert by_id["task-2"]["depends_on"] == ["task-1", "task-2.1", "task-2.2"]  # waits for its subtasks
    assert by_id["task-2.2"]["depends_on"] == ["task-2.1"]
    assert by_id["task-10"]["depends_on"] == ["task-2"]
    assert "depends_on" not in by_id["task-3"]  # task-99 does not exist
    assert any("dropped the dependency task-3 -> task-99" in w for w in result.warnings)


def test_custom_status_and_done_with_unchecked_criteria(backlog_root: Path) -> None:
    result = load_backlog(backlog_root, now=NOW)
    by_id = nodes(result)
    dark = by_id["task-3"]
    assert dark.get("status", "todo") == "todo" and dark["tags"] == ["status:QA", "ui"] and dark["owner"] == "dave"
    # older files: plain "- [x] text" checkboxes without markers or numbers; a bare date
    assert [(c["text"], c.get("met", False)) for c in dark["acceptance_criteria"]] == [
        ("Colours meet 4.5:1 contrast in both themes", True), ("The override is remembered across sessions", False)]
    assert dark["created_at"] == "2025-06-05T00:00:00Z"
    bootstrap = by_id["task-4"]
    assert bootstrap["status"] == "review"
    assert [c.get("met", False) for c in bootstrap["acceptance_criteria"]] == [True, False]
    assert bootstrap["notes"][0]["text"].startswith("Final summary:")
    assert any("task-4 is Done but has unchecked acceptance criteria; imported as review" in w
               for w in result.warnings)
    assert len(result.warnings) == 2


# -- parsing ----------------------------------------------------------------------------------------------

def test_parse_current_format_with_markers_and_definition_of_done() -> None:
    text = """---
id: BACK-12
title: 'Core: add a type field'
status: In Progress
assignee: '@ana'
labels: core, cli
type: feature
dependencies: []
parent: null
created_date: 2025-06-05
updated_date: 2025-06-06 10:30:00+02:00
---

## Description

<!-- SECTION:DESCRIPTION:BEGIN -->
Add the field.
<!-- SECTION:DESCRIPTION:END -->

## Acceptance Criteria
<!-- AC:BEGIN -->
- [ ] #1 Parser reads it
- [x] #2 Writer keeps it
<!-- AC:END -->

## Definition of Done
<!-- DOD:BEGIN -->
- [ ] #1 bun test passes
<!-- DOD:END -->

## References

- docs/types.md
"""
    task = parse_task(text, "back-12.md")
    assert (task.id, task.title, task.status, task.assignees, task.labels, task.kind, task.parent) == (
        "BACK-12", "Core: add a type field", "In Progress", ["ana"], ["core", "cli"], "feature", "")
    assert task.criteria == [("Parser reads it", False), ("Writer keeps it", True),
                             ("Definition of done: bun test passes", False)]
    assert task.description == "Add the field.\n\n## References\n\n- docs/types.md"
    # unquoted dates reach us as YAML dates and datetimes; both end up in UTC
    assert (task.created, task.updated) == (datetime(2025, 6, 5, tzinfo=UTC), datetime(2025, 6, 6, 8, 30, tzinfo=UTC))


def test_a_file_without_sections_uses_its_body_as_description() -> None:
    task = parse_task("---\nid: task-1\ntitle: T\n---\n\nJust some words.\n", "t.md")
    assert task.description == "Just some words." and task.criteria == [] and task.notes == []


@pytest.mark.parametrize(("text", "message"), [
    ("id: task-1\n", "t.md:1: no YAML front matter"),
    ("---\nid: task-1\ntitle: x\n", "t.md:1: the YAML front matter is never closed"),
    ("---\nid: task-1\ntitle: [unclosed\n---\n", "t.md:3: invalid YAML front matter"),
    ("---\nid: task-1\n  title: bad indent\n---\n", "t.md:3: invalid YAML front matter"),
    ("---\n- a list\n---\n", "t.md:2: the front matter must be a mapping"),
    ("---\ntitle: no id\n---\n", "t.md: the front matter has no id"),
    ("---\nid: task-1\n---\n", "t.md: the front matter has no title"),
    ("---\nid: task-1\ntitle: T\nstatus: [a, b]\n---\n", "t.md: status must be a single value, got a list"),
    ("---\nid: task-1\ntitle: T\nlabels: {a: 1}\n---\n", "t.md: labels must be a list of values"),
])
def test_bad_files_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_task(text, "t.md")
    assert str(caught.value).startswith(message)


# -- mapping of small inputs ----------------------------------------------------------------------------------

def test_nested_subtasks_come_before_their_parents() -> None:
    tasks = [bt("task-1"), bt("task-1.1", parent="task-1"), bt("task-1.1.1", parent="TASK-1.1"),
             bt("task-1.2", parent="task-1")]
    by_id = nodes(convert_backlog(tasks, now=NOW))
    assert [m["id"] for m in by_id["task-1-step"]["microsteps"]] == ["task-1.1.1", "task-1.1", "task-1.2", "task-1"]
    assert by_id["task-1.1"]["depends_on"] == ["task-1.1.1"]
    assert by_id["task-1"]["depends_on"] == ["task-1.1", "task-1.2"]


def test_orphans_parent_loops_and_deps_on_a_parent_are_repaired_with_warnings() -> None:
    tasks = [bt("task-1"), bt("task-1.1", parent="task-1", dependencies=["task-1", "task-1.1", "TASK-2"]),
             bt("task-2"), bt("task-3.1", parent="task-3"),
             bt("task-5", parent="task-6"), bt("task-6", parent="task-5")]
    result = convert_backlog(tasks, now=NOW)
    by_id = nodes(result)
    assert by_id["task-1.1"]["depends_on"] == ["task-2"]  # matched case-insensitively
    assert "task-3.1" in [m["id"] for m in by_id["backlog-tasks"]["microsteps"]]
    assert "task-5-step" in by_id or "task-6-step" in by_id
    assert lint(result) == []
    text = "\n".join(result.warnings)
    assert "a subtask cannot wait for its own parent" in text and "a task cannot wait for itself" in text
    assert "parent task-3 is not among the imported tasks" in text and "parent links form a loop" in text


@pytest.mark.parametrize(("raw", "status", "tags"), [
    ("To Do", "todo", []), ("In Progress", "in_progress", []), ("done", "done", []), ("Blocked", "blocked", []),
    ("In Review", "review", []), ("", "todo", []), ("Waiting", "todo", ["status:Waiting"]),
])
def test_status_mapping(raw: str, status: str, tags: list[str]) -> None:
    micro = nodes(convert_backlog([bt("task-1", status=raw)], now=NOW))["task-1"]
    assert (micro.get("status", "todo"), micro.get("tags", [])) == (status, tags)


def test_milestones_by_value_title_and_default() -> None:
    tasks = [bt("task-1", milestone="v1.0"), bt("task-2"), bt("task-3", milestone="Beta launch"),
             bt("task-4", milestone="m-2")]
    info = {"m-2": ("Second", "About two"), "beta launch": ("Beta launch", "")}
    result = convert_backlog(tasks, now=NOW, milestones=info)
    assert [(m["id"], m["title"]) for m in result.milestones] == [
        ("backlog-v1-0", "v1.0"), ("backlog", "Backlog"), ("backlog-beta-launch", "Beta launch"),
        ("backlog-m-2", "Second")]


def test_duplicate_ids_and_cycles_are_refused() -> None:
    with pytest.raises(SpecError, match=r"task-1\.md and TASK-1\.md both have the id"):
        convert_backlog([bt("TASK-1"), bt("task-1")], now=NOW)
    with pytest.raises(SpecError, match="dependency cycle"):
        convert_backlog([bt("task-1", dependencies=["task-2"]), bt("task-2", dependencies=["task-1"])], now=NOW)
    with pytest.raises(SpecError, match="nothing to import"):
        convert_backlog([], now=NOW)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "nope", "not found"),
    (lambda p: write_task(p, "file.md", "x"), "is not a directory"),
    (lambda p: p, "is not a Backlog.md directory"),
])
def test_bad_directories(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(WorkspaceError, match=message):
        load_backlog(make(tmp_path))


def test_a_broken_milestone_file_is_named(tmp_path: Path) -> None:
    write_task(tmp_path / "tasks", "task-1 - A.md", "---\nid: task-1\ntitle: A\nmilestone: m-1\n---\n")
    write_task(tmp_path / "milestones", "m-1 - x.md", "---\nid: m-1\ntitle: [x\n---\n")
    with pytest.raises(SpecError, match=r"m-1 - x\.md:3: invalid YAML front matter"):
        load_backlog(tmp_path)


# -- the invariant ------------------------------------------------------------------------------------------

_ids = st.sampled_from(["task-1", "task-2", "task-2.1", "task-2.2", "task-3", "TASK-3.1", "task-9"])
_task = st.builds(
    bt, _ids, status=st.sampled_from(["To Do", "In Progress", "Done", "QA", ""]),
    parent=st.sampled_from(["", "", "task-2", "task-3", "task-2.1", "task-9"]),
    dependencies=st.lists(_ids, max_size=3), milestone=st.sampled_from(["", "m-1"]),
    criteria=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.booleans()), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_task, min_size=1, max_size=7, unique_by=lambda t: t.id.lower()))
def test_any_backlog_imports_lint_clean_or_is_refused_for_a_cycle(tasks: list[BacklogTask]) -> None:
    try:
        result = convert_backlog(tasks, now=NOW)
    except SpecError as exc:
        assert "dependency cycle" in str(exc)
        return
    assert lint(result) == []
