"""`br status`: progress of the plan, each milestone and each step; the sync state when linked."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec

from buildrunner.cli._output import bar, emit_json, workspace
from buildrunner.spec.model import STATUSES
from buildrunner.spec.tree import Counts, progress
from buildrunner.workspace.workspace import Workspace

SYNC_FILE = "state/sync.json"


def _counts(counts: Counts) -> str:
    return ", ".join(f"{getattr(counts, s)} {s}" for s in STATUSES if getattr(counts, s))


def _sync(ws: Workspace, check_server: bool) -> Any:
    """The sync summary, or ``None`` for an unlinked workspace (one stat: nothing else is loaded then)."""
    if not (ws.base / SYNC_FILE).is_file():
        return None
    from buildrunner.sync.summary import sync_summary  # noqa: PLC0415  (only linked workspaces pay for it)

    if not check_server:
        return sync_summary(ws)
    from buildrunner.spec.document import utc_now  # noqa: PLC0415
    from buildrunner.sync.errors import ServerUnavailableError  # noqa: PLC0415
    from buildrunner.sync.status_check import remote_head  # noqa: PLC0415  (network, httpx)

    try:
        summary = sync_summary(ws, remote_head=remote_head(ws))
        reachable, error = True, ""
    except ServerUnavailableError as exc:
        summary, reachable, error = sync_summary(ws), False, str(exc)
    if summary is not None:
        summary.reachable, summary.last_contact, summary.last_error = reachable, utc_now(), error
    return summary


def run(args: argparse.Namespace) -> int:
    """Print progress (and the sync state) as text or JSON."""
    ws = workspace(args)
    report = progress(ws.load_view())
    sync = _sync(ws, getattr(args, "check_server", False))
    if args.json:
        emit_json(report if sync is None else {**msgspec.to_builtins(report), "sync": sync})
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
    if sync is not None:
        lines += sync.lines()
    print("\n".join(lines))
    return 0

