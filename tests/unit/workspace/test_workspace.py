"""Workspace files: init never overwrites, writes are atomic and serialised across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.cli import main
from buildrunner.errors import NotFoundError, SpecError, WorkspaceError
from buildrunner.workspace.workspace import Workspace, find_root, run_edit


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    assert main(["init", "--root", str(tmp_path), "--name", "Demo"]) == 0
    assert main(["add", "milestone", "M", "--id", "m1", "--root", str(tmp_path)]) == 0
    assert main(["add", "step", "S", "-m", "m1", "--id", "s1", "--root", str(tmp_path)]) == 0
    return Workspace(tmp_path)


def test_init_creates_the_three_files_and_never_overwrites(tmp_path: Path) -> None:
    created = Workspace(tmp_path).init("Demo")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in created) == [
        "buildrunner/governance/policy.yml", "buildrunner/specs/plan.json", "buildrunner/state/runner_state.json"]
    plan = tmp_path / "buildrunner/specs/plan.json"
    plan.write_text('{"version": 1, "project": {"name": "mine"}}')
    assert Workspace(tmp_path).init("Other") == []
    assert json.loads(plan.read_text())["project"]["name"] == "mine"


def test_root_discovery_walks_up(ws: Workspace, tmp_path: Path) -> None:
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()
    with pytest.raises(WorkspaceError, match="br init"):
        Workspace.discover(tmp_path / "src")


def test_a_failing_edit_leaves_the_file_byte_identical(ws: Workspace) -> None:
    before = ws.plan_path.read_bytes()

    def half_done(document):  # type: ignore[no-untyped-def]
        document.add_microstep("s1", "will not land")
        document.set_status("nope", "done")

    with pytest.raises(NotFoundError, match="nope"):
        run_edit(ws, half_done)
    assert ws.plan_path.read_bytes() == before


def test_an_edit_that_would_break_the_plan_is_refused(ws: Workspace) -> None:
    before = ws.plan_path.read_bytes()
    with pytest.raises(SpecError, match="dependency cycle"):
        run_edit(ws, lambda d: d.add_microstep("s1", "x", depends_on=["s1"]))
    assert ws.plan_path.read_bytes() == before


def test_no_temp_files_are_left_behind(ws: Workspace) -> None:
    run_edit(ws, lambda d: d.add_microstep("s1", "x"))
    assert [p.name for p in ws.plan_path.parent.iterdir()] == ["plan.json"]


WRITER = """
import sys
from buildrunner.cli import main
root, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    assert main(["add", "microstep", f"{who}-{i}", "-s", "s1", "--root", root]) == 0
"""


def test_concurrent_processes_lose_no_edit(ws: Workspace) -> None:
    writers, per_writer = 4, 15
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(ws.root), f"w{w}", str(per_writer)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for w in range(writers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    plan = json.loads(ws.plan_path.read_text())
    titles = [m["title"] for m in plan["milestones"][0]["steps"][0]["microsteps"]]
    assert sorted(titles) == sorted(f"w{w}-{i}" for w in range(writers) for i in range(per_writer))
    assert len({m["id"] for m in plan["milestones"][0]["steps"][0]["microsteps"]}) == writers * per_writer
    assert main(["lint", "--root", str(ws.root)]) == 0


def test_unreadable_plan_is_a_workspace_error(ws: Workspace) -> None:
    ws.plan_path.unlink()
    ws.plan_path.mkdir()
    with pytest.raises(WorkspaceError, match="is a directory"):
        ws.read_plan_bytes()
