"""`br import taskmaster|backlog` end to end: the plan it writes, lint, re-import, and bad input changing nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from buildrunner.cli import main
from tests.unit.support import Br


@pytest.fixture
def br(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Br:
    root = tmp_path / "repo"
    root.mkdir()
    run = Br(root, capsys)
    code, _, err = run("init", "--name", "Acme")
    assert code == 0, err
    return run


def test_taskmaster_import_writes_a_plan_that_lints_and_drives_next(br: Br, taskmaster_dir: Path) -> None:
    source = str(taskmaster_dir / "tasks.json")
    code, out, err = br("import", "taskmaster", source)
    assert code == 0, err
    assert out == f"imported 1 milestone, 7 steps, 15 microsteps from {source}\n"
    assert err.count("br: warning: ") == 3 and "dropped the dependency 99" in err
    items = br.items()
    assert items["tm-master-3.2"]["status"] == "in_progress"
    assert items["tm-master-5.task"]["status"] == "done" and "cancelled" in items["tm-master-5.task"]["tags"]
    assert items["tm-master-3.3"]["depends_on"] == ["tm-master-3.2", "tm-master-2.2"]
    assert items["tm-master-3"]["depends_on"] == ["tm-master-1", "tm-master-2"]
    assert [c["id"] for c in items["tm-master-3.verify"]["acceptance_criteria"]] == ["ac-1", "ac-2", "ac-3"]
    assert br("lint")[0] == 0
    # only the login endpoint has every dependency (and its step's) done and is not blocked or in review
    code, out, _ = br("next", "--json")
    assert [item["id"] for item in json.loads(out)["items"]] == ["tm-master-3.2"]


def test_tagged_taskmaster_import_with_json_output(br: Br, taskmaster_dir: Path) -> None:
    code, out, err = br("import", "taskmaster", str(taskmaster_dir / "tasks-tagged.json"), "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert report["counts"] == {"milestones": 2, "steps": 4, "microsteps": 6}
    assert report["milestones"] == ["tm-master", "tm-feature-billing"] and report["warnings"] == []
    assert [m["id"] for m in br.plan["milestones"]] == ["tm-master", "tm-feature-billing"]
    assert br("lint")[0] == 0


def test_backlog_import_from_the_project_root(br: Br, backlog_root: Path) -> None:
    code, out, err = br("import", "backlog", str(backlog_root))
    assert code == 0, err
    assert out.startswith("imported 2 milestones, 3 steps, 7 microsteps from ")
    assert "task-4 is Done but has unchecked acceptance criteria; imported as review" in err
    items = br.items()
    assert [m["id"] for m in items["task-2-step"]["microsteps"]] == ["task-2.1", "task-2.2", "task-2"]
    assert items["task-2.1"]["status"] == "done" and items["task-4"]["status"] == "review"
    assert items["task-2"]["depends_on"] == ["task-1", "task-2.1", "task-2.2"]
    assert [(c["id"], c.get("met", False)) for c in items["task-3"]["acceptance_criteria"]] == [
        ("ac-1", True), ("ac-2", False)]
    assert br("lint")[0] == 0
    # the imported work behaves like any other: checking the last criterion lets task-4 be done
    assert br("check", "task-4", "ac-2")[0] == 0
    assert br("set-status", "task-4", "done")[0] == 0


def test_both_sources_into_one_plan_next_to_existing_items(br: Br, taskmaster_dir: Path, backlog_root: Path) -> None:
    assert br("add", "milestone", "Own work", "--id", "own")[0] == 0
    assert br("import", "taskmaster", str(taskmaster_dir / "tasks.json"))[0] == 0
    assert br("import", "backlog", str(backlog_root / "backlog"))[0] == 0
    assert [m["id"] for m in br.plan["milestones"]] == ["own", "tm-master", "backlog-m-1", "backlog"]
    assert br("lint")[0] == 0


@pytest.mark.parametrize(("source", "path"), [("taskmaster", "taskmaster/tasks.json"), ("backlog", "backlog")])
def test_importing_twice_fails_and_changes_nothing(br: Br, source: str, path: str, taskmaster_dir: Path) -> None:
    full = str(taskmaster_dir.parent / path)
    assert br("import", source, full)[0] == 0
    before = br.plan_path.read_bytes()
    code, out, err = br("import", source, full)
    assert code == 1 and out == "" and "warning" not in err
    assert "nothing imported: the plan already has " in err and "was " in err and "imported before?" in err
    assert ("tm-master, tm-master-1, tm-master-1.task" in err) if source == "taskmaster" else ("backlog-m-1" in err)
    assert "(and " in err  # the list is cut short
    assert br.plan_path.read_bytes() == before


def _copy(name: str) -> Callable[[Path, Path], Path]:
    def make(tmp: Path, fixtures: Path) -> Path:
        shutil.copytree(fixtures / "backlog", tmp / "bl")
        return tmp / "bl" / "backlog" / name
    return make


def _file(name: str, text: str | bytes) -> Callable[[Path, Path], Path]:
    def make(tmp: Path, fixtures: Path) -> Path:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path
    return make


def _task_file(text: str) -> Callable[[Path, Path], Path]:
    def make(tmp: Path, fixtures: Path) -> Path:
        _file("bl/tasks/task-1.md", text)(tmp, fixtures)
        return tmp / "bl"
    return make


def _broken_backlog(tmp: Path, fixtures: Path) -> Path:
    base = _copy("")(tmp, fixtures)
    (base / "tasks" / "task-3 - Dark-mode.md").write_text("---\nid: task-3\ntitle: Dark mode\nlabels: [ui\n---\n")
    return base


def _duplicate_backlog(tmp: Path, fixtures: Path) -> Path:
    base = _copy("")(tmp, fixtures)
    (base / "completed" / "task-1 - copy.md").write_text("---\nid: TASK-1\ntitle: Copy\n---\n")
    return base


CASES = [
    ("taskmaster", lambda tmp, fx: tmp / "missing.json", 2, "missing.json not found"),
    ("taskmaster", lambda tmp, fx: tmp, 2, "holds no Task Master tasks.json"),
    ("taskmaster", _file("t.json", '{\n  "tasks": [\n    {"id": 1,\n  ]\n}'), 1, "t.json:4:3: invalid JSON"),
    ("taskmaster", _file("t.json", b'{"tasks": ["\xff\xfe"]}'), 1, "not UTF-8"),
    ("taskmaster", _file("t.json", '{"tasks": {"id": 1}}'), 1, 'found no "tasks" list'),
    ("taskmaster", _file("t.json", '{"tasks": [{"id": 1}]}'), 1, "task 1: title is missing or empty"),
    ("taskmaster", _file("t.json", '{"tasks": []}'), 1, "holds no tasks; nothing to import"),
    ("taskmaster", _file("t.json", json.dumps({"tasks": [
        {"id": 1, "title": "A", "dependencies": [2]}, {"id": 2, "title": "B", "dependencies": [1]}]})),
     1, "cannot be imported: dependency cycle: tm-master-1 → tm-master-1.task → tm-master-2"),
    ("backlog", lambda tmp, fx: tmp / "nowhere", 2, "nowhere not found"),
    ("backlog", lambda tmp, fx: tmp, 2, "is not a Backlog.md directory"),
    ("backlog", _task_file("no front matter"), 1, "task-1.md:1: no YAML front matter"),
    ("backlog", _broken_backlog, 1, "task-3 - Dark-mode.md:4: invalid YAML front matter"),
    ("backlog", _duplicate_backlog, 1, "both have the id"),
    ("backlog", _task_file("---\ntitle: No id\n---\n"), 1, "task-1.md: the front matter has no id"),
]


@pytest.mark.parametrize(("source", "make", "exit_code", "message"), CASES)
def test_bad_input_names_the_problem_and_changes_nothing(
    br: Br, tmp_path: Path, taskmaster_dir: Path, source: str, make: Callable[[Path, Path], Path], exit_code: int,
    message: str,
) -> None:
    (tmp_path / "src").mkdir()
    path = make(tmp_path / "src", taskmaster_dir.parent)
    before = br.plan_path.read_bytes()
    code, out, err = br("import", source, str(path))
    assert (code, out) == (exit_code, "")
    assert err.startswith("br: error: ") and message in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert br.plan_path.read_bytes() == before


def test_without_a_workspace_nothing_is_read(tmp_path: Path, taskmaster_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["import", "taskmaster", str(taskmaster_dir / "tasks.json"), "--root", str(tmp_path)])
    assert code == 2 and "holds no buildrunner/ directory" in capsys.readouterr().err
