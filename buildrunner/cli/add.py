"""`br add milestone|step|microstep`."""

from __future__ import annotations

import argparse
from typing import Any

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import UsageError
from buildrunner.spec.document import PlanDocument
from buildrunner.workspace.workspace import run_edit


def run(args: argparse.Namespace) -> int:
    """Add one item and print its id."""
    if args.kind == "microstep" and args.estimate is not None and not args.estimate >= 0:
        raise UsageError("--estimate must be a number of hours, 0 or more")

    def action(document: PlanDocument) -> dict[str, Any]:
        if args.kind == "milestone":
            return document.add_milestone(args.title, item_id=args.item_id, description=args.description)
        if args.kind == "step":
            return document.add_step(args.milestone, args.title, item_id=args.item_id,
                                     description=args.description, depends_on=args.depends_on)
        return document.add_microstep(
            args.step, args.title, item_id=args.item_id, description=args.description, owner=args.owner,
            estimate=args.estimate, tags=args.tag, criteria=args.criterion, depends_on=args.depends_on,
            links=args.link,
        )

    node = run_edit(workspace(args), action)
    if args.json:
        emit_json(node)
    else:
        print(f"added {args.kind} {node['id']}: {node['title']}")
    return 0
