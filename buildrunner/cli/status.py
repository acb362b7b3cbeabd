"""`br status`: progress of the plan, each milestone and each step."""

from __future__ import annotations

import argparse

from buildrunner.cli._output import bar, emit_json, workspace
from buildrunner.spec.model import STATUSES
from buildrunner.spec.tree import Counts, progress


def _counts(counts: Counts) -> str:
    return ", ".join(f"{getattr(counts, s)} {s}" for s in STATUSES if getattr(counts, s))


def run(args: argparse.Namespace) -> int:
    """Print progress as text or JSON."""
    report = progress(workspace(args).load_view())
    if args.json:
        emit_json(report)
        return 0
    lines = [
        f"{report.project}: {report.counts.done}/{report.counts.total} microsteps done "
        f"({report.counts.percent}%)",
        f"  {_counts(report.counts) or 'no microsteps yet: add some with `br add`'}",
    ]
    for milestone in report.milestones:
        c = milestone.counts
        lines.append(f"{bar(c.percent)} {c.percent:3d}%  {milestone.id}  {milestone.title}  ({c.done}/{c.total})")
        for step in milestone.steps:
            s = step.counts
            lines.append(f"    {bar(s.percent, 10)} {s.percent:3d}%  {step.id}  {step.title}  ({s.done}/{s.total})")
    print("\n".join(lines))
    return 0
