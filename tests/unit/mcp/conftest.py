"""Fixtures for the MCP server tests: a small real workspace made with the `br` CLI.

No ``__init__.py`` in this directory on purpose: as a package it could be imported as ``mcp`` and shadow the SDK.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from buildrunner.cli import main


@pytest.fixture
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio only (the SDK's default loop)."""
    return "asyncio"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A workspace with one milestone, two steps and three microsteps.

    ``ms-api`` (owner ann, tag api, two acceptance criteria) is actionable;
    ``ms-docs`` depends on it; ``ms-ui`` in step ``s-ui`` is unowned and actionable.
    """
    workspace = tmp_path / "repo"
    commands = [
        ["init", "--root", str(workspace), "--name", "demo"],
        ["add", "milestone", "Launch", "--id", "m1"],
        ["add", "step", "Backend", "--id", "s-api", "-m", "m1"],
        ["add", "step", "Frontend", "--id", "s-ui", "-m", "m1"],
        ["add", "microstep", "Build the API", "--id", "ms-api", "-s", "s-api", "--owner", "ann", "--tag", "api",
         "-c", "endpoints return 200", "-c", "errors are problem+json"],
        ["add", "microstep", "Document the API", "--id", "ms-docs", "-s", "s-api", "--depends-on", "ms-api"],
        ["add", "microstep", "Build the UI", "--id", "ms-ui", "-s", "s-ui"],
    ]
    for command in commands:
        extra = [] if command[0] == "init" else ["--root", str(workspace)]
        assert main(command + extra) == 0
    return workspace


@pytest.fixture
def plan_bytes(root: Path) -> Callable[[], bytes]:
    """Read the workspace's plan.json as it is on disk now."""
    return (root / "buildrunner" / "specs" / "plan.json").read_bytes


@pytest.fixture
def on_disk(plan_bytes: Callable[[], bytes]) -> Callable[[str], dict[str, Any]]:
    """Read one raw microstep, by exact id, from plan.json as it is on disk now."""

    def read(item_id: str) -> dict[str, Any]:
        plan = json.loads(plan_bytes())
        for milestone in plan["milestones"]:
            for step in milestone["steps"]:
                for micro in step["microsteps"]:
                    if micro["id"] == item_id:
                        return dict(micro)
        raise AssertionError(f"{item_id} is not in the plan")

    return read
