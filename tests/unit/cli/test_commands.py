"""Every `br` command end to end: output, --json, exit codes, and no file change on failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buildrunner.cli import main
from buildrunner.spec.schema import render, schema_bytes
from tests.unit.support import Br


@pytest.fixture
def br(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Br:
    run = Br(tmp_path, capsys)
    assert run("init", "--name", "Shop")[0] == 0
    assert run("add", "milestone", "Foundation", "--id", "p1")[0] == 0
    assert run("add", "step", "Checkout", "-m", "p1", "--id", "p1.s1")[0] == 0
    assert run("add", "microstep", "Cart", "-s", "p1.s1", "--id", "p1.s1.ms1", "-c", "adds items",
               "--owner", "ana", "--tag", "web", "--estimate", "3")[0] == 0
    assert run("add", "microstep", "Pay", "-s", "p1.s1", "--id", "p1.s1.ms2", "--depends-on", "p1.s1.ms1")[0] == 0
    return run


def test_init_reports_created_files_then_nothing(br: Br) -> None:
    code, out, _ = br("init")
    assert code == 0 and "nothing overwritten" in out
    assert br.plan["project"]["name"] == "Shop"


def test_add_prints_generated_ids(br: Br) -> None:
    item = br.json("add", "microstep", "Refunds", "-s", "p1.s1", "-c", "one", "-c", "two", "--link", "https://x.test/1")
    assert item["id"].startswith("ms-") and len(item["acceptance_criteria"]) == 2
    assert item["links"][0]["url"] == "https://x.test/1"
    assert item["created_at"].endswith("Z")
    step = br.json("add", "step", "Shipping", "-m", "p1")
    assert step["id"].startswith("s-")
    milestone = br.json("add", "milestone", "Launch")
    assert milestone["id"].startswith("m-")


def test_add_errors_change_nothing(br: Br) -> None:
    before = br.plan
    assert br("add", "step", "X", "-m", "nope")[0] == 1
    assert br("add", "microstep", "X", "-s", "p1")[:1] == (1,)  # p1 is a milestone, not a step
    assert br("add", "microstep", "", "-s", "p1.s1")[0] == 1
    assert br("add", "microstep", "X", "-s", "p1.s1", "--estimate", "-1")[0] == 2
    code, _, err = br("add", "microstep", "X", "-s", "p1.s1", "--id", "p1.s1.ms1")
    assert code == 1 and "already used" in err
    assert br.plan == before


def test_status_text_and_json(br: Br) -> None:
    assert br("check", "p1.s1.ms1", br.plan["milestones"][0]["steps"][0]["microsteps"][0]
              ["acceptance_criteria"][0]["id"])[0] == 0
    assert br("set-status", "p1.s1.ms1", "done")[0] == 0
    code, out, _ = br("status")
    assert code == 0 and "1/2 microsteps done (50%)" in out and "p1.s1" in out
    report = br.json("status")
    assert report["counts"] == {"total": 2, "todo": 1, "in_progress": 0, "blocked": 0, "review": 0, "done": 1}
    assert report["milestones"][0]["steps"][0]["counts"]["done"] == 1


def test_next_respects_dependencies_blocking_owner_and_limit(br: Br) -> None:
    assert [i["id"] for i in br.json("next")["items"]] == ["p1.s1.ms1"]
    assert br.json("next", "--owner", "bob")["items"] == []
    br("set-status", "p1.s1.ms1", "blocked")
    code, out, _ = br("next")
    assert code == 0 and "nothing is actionable" in out
    crit = br.plan["milestones"][0]["steps"][0]["microsteps"][0]["acceptance_criteria"][0]["id"]
    br("check", "p1.s1.ms1", crit)
    br("set-status", "p1.s1.ms1", "done")
    assert [i["id"] for i in br.json("next")["items"]] == ["p1.s1.ms2"]
    for i in range(3):
        br("add", "microstep", f"extra {i}", "-s", "p1.s1")
    listing = br.json("next", "--limit", "2")
    assert listing["total"] == 4 and len(listing["items"]) == 2
    assert br("next", "--limit", "-1")[0] == 2


def test_step_dependencies_gate_their_microsteps(br: Br) -> None:
    br("add", "step", "Later", "-m", "p1", "--id", "p1.s2", "--depends-on", "p1.s1")
    br("add", "microstep", "After checkout", "-s", "p1.s2", "--id", "p1.s2.ms1")
    assert "p1.s2.ms1" not in [i["id"] for i in br.json("next", "--limit", "0")["items"]]


def test_show_by_id_and_prefix(br: Br) -> None:
    code, out, _ = br("show", "p1.s1.ms1")
    assert code == 0 and "status: todo" in out and "owner: ana" in out and "[ ]" in out
    code, out, _ = br("show", "p1.s1")
    assert "step p1.s1: Checkout" in out and "p1.s1.ms2 [todo]" in out
    assert br.json("show", "p1.s1.ms2")["item"]["depends_on"] == ["p1.s1.ms1"]
    code, _, err = br("show", "p1.s1.ms")
    assert code == 1 and "ambiguous" in err


def test_set_status_done_needs_criteria(br: Br) -> None:
    before = br.plan
    code, _, err = br("set-status", "p1.s1.ms1", "done")
    assert code == 1 and "not met" in err and "br check" in err
    assert br.plan == before
    assert br.json("set-status", "p1.s1.ms2", "review") == {"id": "p1.s1.ms2", "status": "review"}


def test_check_and_uncheck(br: Br) -> None:
    crit = br.plan["milestones"][0]["steps"][0]["microsteps"][0]["acceptance_criteria"][0]["id"]
    assert br.json("check", "p1.s1.ms1", crit)["criterion"]["met"] is True
    assert br.json("check", "p1.s1.ms1", crit, "--unmet")["criterion"]["met"] is False
    code, _, err = br("check", "p1.s1.ms1", "ac-nope")
    assert code == 1 and crit in err


def test_note(br: Br) -> None:
    note = br.json("note", "p1.s1.ms1", "blocked on API keys", "--author", "agent-7")
    assert note["text"] == "blocked on API keys"
    assert br.plan["milestones"][0]["steps"][0]["microsteps"][0]["notes"][0]["author"] == "agent-7"


def test_lint_exit_codes_and_json(br: Br, tmp_path: Path) -> None:
    assert br("lint")[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "project": {"name": "x"}, "milestones": [{"id": "m", "title": ""}]}')
    code, out, _ = br("lint", str(bad))
    assert code == 1 and "BR008" in out and ":1:" in out
    code, out, _ = br("lint", str(bad), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert report["findings"][0]["path"] == "$.milestones[0].title"
    code, _, err = br("lint", str(tmp_path / "missing.json"))
    assert code == 2 and "not found" in err


def test_commands_refuse_an_invalid_plan_and_point_to_lint(br: Br) -> None:
    path = br.root / "buildrunner/specs/plan.json"
    path.write_text('{"version": 1, "project": {}}')
    for args in (("status",), ("next",), ("set-status", "x", "done")):
        code, _, err = br(*args)
        assert code == 1 and "br lint" in err
    assert path.read_text() == '{"version": 1, "project": {}}'


def test_schema_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_bytes() == render()
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert sorted(schema["$defs"]["Microstep"]["properties"]["status"]["enum"]) == sorted(
        ["todo", "in_progress", "blocked", "review", "done"])


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (["set-status"], ["status", "--root", str(tmp_path)], ["frobnicate"],
                 ["set-status", "x", "finished", "--root", str(tmp_path)]):
        proc = subprocess.run([sys.executable, "-c", "from buildrunner.cli import run; run()", *args],
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.strip()
