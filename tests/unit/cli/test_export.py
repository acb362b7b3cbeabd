"""`br export`: Markdown, the stored JSON, CSV for spreadsheets, and --output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from buildrunner.cli import main
from buildrunner.spec.export import csv_cell, md_block, md_code, md_inline

CSV_HEADER = [
    "milestone_id", "milestone", "step_id", "step", "id", "title", "status", "owner", "estimate", "tags",
    "depends_on", "criteria_met", "criteria_total", "created_at", "updated_at",
]


def _plan_path(root: Path) -> Path:
    return root / "buildrunner/specs/plan.json"


def _plan(root: Path) -> dict[str, Any]:
    return dict(json.loads(_plan_path(root).read_text()))


def _br(root: Path, *args: str) -> None:
    assert main([*args, "--root", str(root)]) == 0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace with one milestone, one step and three microsteps in different states."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _br(repo, "init", "--name", "Shop")
    _br(repo, "add", "milestone", "Foundation", "--id", "m1")
    _br(repo, "add", "step", "Checkout", "-m", "m1", "--id", "s1")
    _br(repo, "add", "microstep", "Cart", "-s", "s1", "--id", "ms1", "--owner", "ana", "--tag", "web",
        "--tag", "api", "--estimate", "2.5", "-c", "adds items", "-c", "removes items")
    _br(repo, "add", "microstep", "=HYPERLINK(\"http://evil.test\")", "-s", "s1", "--id", "ms2",
        "--owner", "@bob", "--depends-on", "ms1", "--tag=-risky")
    _br(repo, "add", "microstep", "Docs", "-s", "s1", "--id", "ms3")
    _br(repo, "set-status", "ms3", "done")
    first_criterion = _plan(repo)["milestones"][0]["steps"][0]["microsteps"][0]["acceptance_criteria"][0]["id"]
    _br(repo, "check", "ms1", first_criterion)
    return repo


def _export(root: Path, capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> bytes:
    capsysbinary.readouterr()
    assert main(["export", "--root", str(root), *args]) == 0
    return capsysbinary.readouterr().out


# -- Markdown ---------------------------------------------------------------------------------------


def test_markdown_has_headings_progress_and_task_lists(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    lines = _export(root, capsysbinary).decode().splitlines()
    assert lines[0] == "# Shop"
    assert "**Progress:** 1/3 microsteps done (33%): 2 todo" in lines
    assert "## Foundation" in lines
    assert "### Checkout" in lines
    cart = next(line for line in lines if "**Cart**" in line)
    assert cart.startswith("- [ ] **Cart**")
    assert "`ms1`" in cart and "todo" in cart and "owner ana" in cart and "estimate 2.5 h" in cart
    assert "tags web, api" in cart
    assert "  - [x] adds items (`ac-" in "\n".join(lines)
    assert any(line.startswith("  - [ ] removes items") for line in lines)
    assert any(line.startswith("- [x] **Docs** · `ms3` · done") for line in lines)
    hyperlink = next(line for line in lines if "`ms2`" in line)
    assert "depends on `ms1`" in hyperlink and "owner @bob" in hyperlink


def test_markdown_shows_done_dependencies(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _br(root, "add", "microstep", "Ship", "-s", "s1", "--id", "ms4", "--depends-on", "ms3")
    text = _export(root, capsysbinary, "--format", "md").decode()
    assert "depends on `ms3` (done)" in text


def test_markdown_user_text_cannot_break_the_structure(tmp_path: Path,
                                                        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _br(tmp_path, "init", "--name", "# Not a heading")
    _br(tmp_path, "add", "milestone", "#1 release\n## injected", "--id", "m1",
        "--description", "intro\n# fake heading\n- fake item\n\n1. fake ordered")
    _br(tmp_path, "add", "step", "[ ] not a box *bold*", "-m", "m1", "--id", "s1")
    _br(tmp_path, "add", "microstep", "<script>x</script> `tick`", "-s", "s1", "--id", "ms1")
    lines = _export(tmp_path, capsysbinary).decode().splitlines()
    headings = [line for line in lines if line.startswith("#")]
    assert headings == ["# \\# Not a heading", "## \\#1 release \\#\\# injected", "### \\[ \\] not a box \\*bold\\*"]
    assert "\\# fake heading" in lines and "\\- fake item" in lines and "1\\. fake ordered" in lines
    assert any(line.startswith("- [ ] **\\<script\\>x\\</script\\> \\`tick\\`**") for line in lines)


def test_markdown_helpers_escape_precisely() -> None:
    assert md_inline("  a\n\tb  ") == "a b"
    assert md_inline("C# & [x](y) | z_") == "C\\# \\& \\[x\\](y) \\| z\\_"
    assert md_block("+ one\n\n\n= two\n  42) three") == ["\\+ one", "", "\\= two", "42\\) three"]
    assert md_block("a\nb", indent="  ") == ["  a", "  b"]
    assert md_code("ms-1") == "`ms-1`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"


def test_markdown_of_an_empty_plan_says_how_to_start(tmp_path: Path,
                                                     capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _br(tmp_path, "init", "--name", "Empty")
    text = _export(tmp_path, capsysbinary).decode()
    assert text.startswith("# Empty\n")
    assert text.endswith("_No milestones yet: add one with `br add milestone TITLE`._\n")
    assert "no microsteps yet" in text


# -- JSON -------------------------------------------------------------------------------------------


def test_json_is_the_stored_file_with_unknown_fields(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    raw = _plan(root)
    raw["x_vendor"] = {"kept": True}
    raw["milestones"][0]["steps"][0]["microsteps"][0]["x_estimate_source"] = "planning poker"
    _plan_path(root).write_text(json.dumps(raw, indent=4) + "\n")  # a layout br itself never writes
    out = _export(root, capsysbinary, "--format", "json")
    assert out == _plan_path(root).read_bytes()
    assert b'"x_estimate_source": "planning poker"' in out


def test_json_refuses_an_invalid_plan(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _plan_path(root).write_text('{"version": 1, "project": {}}')
    assert main(["export", "--format", "json", "--root", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "not a valid Build Spec" in err and "br lint" in err


# -- CSV --------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_microstep(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    text = _export(root, capsysbinary, "--format", "csv").decode()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert reader.fieldnames == CSV_HEADER
    assert [row["id"] for row in rows] == ["ms1", "ms2", "ms3"]
    cart = rows[0]
    assert (cart["milestone_id"], cart["milestone"], cart["step_id"], cart["step"]) == ("m1", "Foundation", "s1",
                                                                                         "Checkout")
    assert (cart["title"], cart["status"], cart["owner"], cart["estimate"]) == ("Cart", "todo", "ana", "2.5")
    assert (cart["tags"], cart["criteria_met"], cart["criteria_total"]) == ("web;api", "1", "2")
    assert cart["created_at"].endswith("Z") and cart["updated_at"] >= cart["created_at"]
    assert rows[1]["depends_on"] == "ms1"
    assert (rows[2]["status"], rows[2]["estimate"], rows[2]["tags"]) == ("done", "", "")


def test_csv_neutralises_formula_injection(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(root, capsysbinary, "--format", "csv").decode(), newline="")))
    assert rows[1]["title"] == "'=HYPERLINK(\"http://evil.test\")"
    assert rows[1]["owner"] == "'@bob"
    assert rows[1]["tags"] == "'-risky"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cell_prefixes_formula_starts(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "plain", "1-2", "a=b", "'quoted"])
def test_csv_cell_leaves_plain_text(cell: str) -> None:
    assert csv_cell(cell) == cell


def test_csv_keeps_newlines_and_quotes_inside_cells(tmp_path: Path,
                                                     capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _br(tmp_path, "init")
    _br(tmp_path, "add", "milestone", 'two\nlines, "quoted"', "--id", "m1")
    _br(tmp_path, "add", "step", "S", "-m", "m1", "--id", "s1")
    _br(tmp_path, "add", "microstep", "M", "-s", "s1", "--id", "ms1")
    out = _export(tmp_path, capsysbinary, "--format", "csv").decode()
    [row] = list(csv.DictReader(io.StringIO(out, newline="")))
    assert row["milestone"] == 'two\nlines, "quoted"'


# -- --output ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_output_writes_the_same_bytes_as_stdout(root: Path, tmp_path: Path, fmt: str,
                                                capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    expected = _export(root, capsysbinary, "--format", fmt)
    target = tmp_path / "reports" / f"plan.{fmt}"
    out = _export(root, capsysbinary, "--format", fmt, "--output", str(target))
    assert target.read_bytes() == expected
    assert str(target).encode() in out
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left behind


def test_output_dash_means_stdout(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert _export(root, capsysbinary, "-o", "-").startswith(b"# Shop\n")


def test_output_under_a_file_is_a_clear_error(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    assert main(["export", "--root", str(root), "-o", str(blocker / "sub" / "plan.md")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("br: error: cannot write --output") and "notes.txt is a file, not a directory" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert blocker.read_text() == "keep me"


def test_output_onto_a_directory_is_a_clear_error(root: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--root", str(root), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "Traceback" not in err


def test_invalid_plan_writes_no_output_file(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _plan_path(root).write_text("{not json")
    target = tmp_path / "plan.md"
    assert main(["export", "--root", str(root), "-o", str(target)]) == 1
    assert not target.exists()
    assert "not a valid Build Spec" in capsys.readouterr().err


def test_no_workspace_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--root", str(tmp_path)]) == 2
    assert "br init" in capsys.readouterr().err
