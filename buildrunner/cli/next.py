"""`br next`: what can be worked on now."""

from __future__ import annotations

import argparse

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import UsageError
from buildrunner.spec.tree import actionable


def run(args: argparse.Namespace) -> int:
    """Print actionable microsteps: not blocked, every dependency done."""
    if args.limit < 0:
        raise UsageError("--limit must be 0 (all) or a positive number")
    ready = actionable(workspace(args).load_view(), owner=args.owner)
    total = len(ready)
    if args.limit:
        ready = ready[: args.limit]
    if args.json:
        emit_json({
            "total": total,
            "items": [
                {"id": m.id, "title": m.title, "status": m.status, "owner": m.owner, "step": s.id,
                 "milestone": ms.id, "criteria_open": sum(not c.met for c in m.acceptance_criteria)}
                for ms, s, m in ready
            ],
        })
        return 0
    if not ready:
        print("nothing is actionable: every open microstep is blocked, in review or waiting on a dependency")
        return 0
    for _, step, micro in ready:
        owner = f"  @{micro.owner}" if micro.owner else ""
        print(f"{micro.id}  [{micro.status}]  {micro.title}{owner}  (step {step.id})")
    if total > len(ready):
        print(f"... and {total - len(ready)} more (--limit 0 shows all)")
    return 0
