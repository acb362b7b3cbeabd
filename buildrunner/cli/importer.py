"""`br import taskmaster PATH` and `br import backlog DIR`: append another tool's plan to plan.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import SpecError
from buildrunner.importers import ImportResult
from buildrunner.spec.document import PlanDocument
from buildrunner.workspace.workspace import run_edit

_SHOWN_IDS = 8


def run(args: argparse.Namespace) -> int:
    """Import the source, append its milestones under the workspace lock and print a summary."""
    ws = workspace(args)  # before parsing the source: no workspace is the more basic mistake
    result = _load(args.source, Path(args.path))

    def action(document: PlanDocument) -> None:
        taken = [item_id for item_id in result.item_ids() if item_id in document.index]
        if taken:
            shown = ", ".join(taken[:_SHOWN_IDS]) + (f" (and {len(taken) - _SHOWN_IDS} more)"
                                                      if len(taken) > _SHOWN_IDS else "")
            raise SpecError(f"nothing imported: the plan already has {shown}; was {args.path} imported before? "
                            "Remove those items first, or import into another workspace")
        document.raw.setdefault("milestones", []).extend(result.milestones)

    run_edit(ws, action)
    # Only after the import succeeded: on a refused re-import they would bury the one line that matters.
    for warning in result.warnings:
        print(f"br: warning: {warning}", file=sys.stderr)
    counts = result.counts()
    if args.json:
        emit_json({"source": args.source, "path": args.path, "counts": counts,
                   "milestones": [m["id"] for m in result.milestones], "warnings": result.warnings})
    else:
        print(f"imported {_plural(counts['milestones'], 'milestone')}, {_plural(counts['steps'], 'step')}, "
              f"{_plural(counts['microsteps'], 'microstep')} from {args.path}")
    return 0


def _load(source: str, path: Path) -> ImportResult:
    # Each importer is imported only when asked for: the backlog one pulls in PyYAML.
    if source == "taskmaster":
        from buildrunner.importers.taskmaster import load_taskmaster  # noqa: PLC0415

        return load_taskmaster(path)
    from buildrunner.importers.backlog import load_backlog  # noqa: PLC0415

    return load_backlog(path)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
