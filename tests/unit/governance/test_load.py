"""load_policy: defaults when missing, PolicyError listing the findings when invalid, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.errors import BrError, WorkspaceError
from buildrunner.governance import MAX_POLICY_BYTES, Policy, PolicyError, load_policy
from buildrunner.workspace.workspace import DEFAULT_POLICY


def test_a_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "policy.yml") == Policy()


def test_the_default_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(DEFAULT_POLICY)
    policy = load_policy(path)
    assert policy.sync_backoff.max_attempts == 5 and policy.circuit_breaker.half_open_max_calls == 3
    assert policy.analytics.enforcement == "soft"


def test_an_invalid_file_raises_policy_error_with_findings(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("sync_backoff:\n  min_ms: 0\n  max_msx: 1\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    error = caught.value
    assert isinstance(error, BrError) and error.exit_code == 1
    assert [(f.code, f.line) for f in error.findings] == [("POL006", 2), ("POL005", 3)]
    assert str(error).startswith(f"{path} is not a valid policy: 2:11 POL006 sync_backoff.min_ms")
    assert "br governance validate" in str(error)


def test_many_findings_are_summarised(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("".join(f"k{i}: 1\n" for i in range(5)))
    with pytest.raises(PolicyError, match=r"\(and 2 more\)"):
        load_policy(path)


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_bytes(b"#" * (MAX_POLICY_BYTES * 3))
    with pytest.raises(PolicyError, match="POL003"):
        load_policy(path)


def test_a_directory_is_a_workspace_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="is a directory"):
        load_policy(tmp_path)
