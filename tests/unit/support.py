"""Helpers shared by the unit tests: run `br` in-process, index plan items, lint imported milestones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from buildrunner.cli import main
from buildrunner.spec.lint import lint_bytes


def items_by_id(milestones: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every milestone, step and microstep by id."""
    found: dict[str, dict[str, Any]] = {}
    for milestone in milestones:
        found[milestone["id"]] = milestone
        for step in milestone.get("steps", []):
            found[step["id"]] = step
            for micro in step.get("microsteps", []):
                found[micro["id"]] = micro
    return found


def lint_milestones(milestones: list[dict[str, Any]]) -> list[str]:
    """Lint findings (code and message) of a plan made of ``milestones``."""
    plan = {"version": 1, "project": {"name": "t"}, "milestones": milestones}
    return [f"{f.code} {f.message}" for f in lint_bytes(json.dumps(plan).encode())]


class Br:
    """Runs `br` in-process against one workspace and captures its output."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*args, "--root", str(self.root)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    @property
    def plan_path(self) -> Path:
        return self.root / "buildrunner" / "specs" / "plan.json"

    @property
    def plan(self) -> dict[str, Any]:
        return dict(json.loads(self.plan_path.read_text()))

    def items(self) -> dict[str, dict[str, Any]]:
        """Every milestone, step and microstep of the plan by id."""
        return items_by_id(self.plan["milestones"])
