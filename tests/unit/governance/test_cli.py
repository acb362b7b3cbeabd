"""`br governance validate`: exit 0 valid, 1 findings, 2 usage or I/O error; text and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.governance.examples import ALL_BRIEF_EXAMPLES
from tests.unit.support import Br


@pytest.fixture
def br(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Br:
    run = Br(tmp_path, capsys)
    assert run("init", "--name", "Shop")[0] == 0
    return run


def policy_path(br: Br) -> Path:
    return br.root / "buildrunner" / "governance" / "policy.yml"


def test_the_policy_br_init_writes_is_valid(br: Br) -> None:
    code, out, err = br("governance", "validate")
    assert (code, err) == (0, "")
    assert out == f"{policy_path(br)}: valid\n"


def test_findings_exit_1_with_path_line_and_hint(br: Br, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("sync_backoff:\n  min_ms: 1\n  max_msx: 2\nversion: 1\nversion: 1\n")
    code, out, _ = br("governance", "validate", str(bad))
    assert code == 1
    assert out.splitlines() == [
        f"{bad}:3:3: POL005 unknown-key sync_backoff.max_msx: unknown key 'max_msx' in sync_backoff; "
        "did you mean 'max_ms'?",
        f"{bad}:5:1: POL002 duplicate-key version: duplicate key 'version' (first on line 4); YAML would silently "
        "keep only the last one; remove or merge one of them",
        f"{bad}: 2 findings",
    ]


def test_json_output(br: Br, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("evals:\n  min_pass_rate: 90\n")
    code, out, _ = br("governance", "validate", str(bad), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False and report["exists"] is True and report["path"] == str(bad)
    assert report["findings"] == [{
        "code": "POL006", "name": "invalid-value", "path": "evals.min_pass_rate", "line": 2, "column": 18,
        "message": "evals.min_pass_rate must be between 0 and 1 (got 90)",
        "hint": "this is a fraction: write 0.9 for 90%",
    }]
    code, out, _ = br("governance", "validate", "--format", "json")
    assert code == 0 and json.loads(out)["valid"] is True


def test_the_brief_examples_validate(br: Br) -> None:
    policy_path(br).write_text(ALL_BRIEF_EXAMPLES)
    assert br("governance", "validate")[0] == 0


def test_yaml_errors_are_findings_not_tracebacks(br: Br) -> None:
    policy_path(br).write_text("sync_backoff:\n\tmin_ms: 1\n")
    code, out, err = br("governance", "validate")
    assert code == 1 and err == ""
    assert ":2:1: POL001 invalid-yaml $: invalid YAML: a tab character" in out


def test_a_missing_explicit_file_exits_2(br: Br, tmp_path: Path) -> None:
    code, out, err = br("governance", "validate", str(tmp_path / "nope.yml"))
    assert (code, out) == (2, "")
    assert err == f"br: error: policy file not found at {tmp_path / 'nope.yml'}\n"


def test_a_directory_exits_2(br: Br, tmp_path: Path) -> None:
    code, _, err = br("governance", "validate", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_no_workspace_policy_means_the_defaults(br: Br) -> None:
    policy_path(br).unlink()
    code, out, _ = br("governance", "validate")
    assert code == 0 and "the defaults apply" in out
    code, out, _ = br("governance", "validate", "--format", "json")
    assert code == 0 and json.loads(out) == {"path": str(policy_path(br)), "valid": True, "exists": False,
                                             "findings": []}


def test_usage_errors_exit_2(br: Br) -> None:
    with pytest.raises(SystemExit) as caught:
        br("governance")
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        br("governance", "validate", "--format", "xml")
    assert caught.value.code == 2


def test_outside_a_workspace_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    from buildrunner.cli import main  # noqa: PLC0415

    assert main(["governance", "validate"]) == 2
    assert "br: error:" in capsys.readouterr().err
