"""`br set-status`, `br check`, `br note`: edits of one microstep."""

from __future__ import annotations

import argparse

from buildrunner.cli._output import emit_json, workspace
from buildrunner.workspace.workspace import run_edit


def set_status(args: argparse.Namespace) -> int:
    """Set a microstep's status (done needs every criterion met)."""
    node = run_edit(workspace(args), lambda doc: doc.set_status(args.id, args.status))
    if args.json:
        emit_json({"id": node["id"], "status": node["status"]})
    else:
        print(f"{node['id']}: {node['status']}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Mark an acceptance criterion met (or unmet with --unmet)."""
    criterion = run_edit(workspace(args), lambda doc: doc.check(args.id, args.criterion, met=not args.unmet))
    if args.json:
        emit_json({"id": args.id, "criterion": criterion})
    else:
        print(f"{args.id} {criterion['id']}: {'met' if criterion.get('met') else 'unmet'}  {criterion['text']}")
    return 0


def note(args: argparse.Namespace) -> int:
    """Append a note to a microstep."""
    added = run_edit(workspace(args), lambda doc: doc.add_note(args.id, args.text, args.author))
    if args.json:
        emit_json(added)
    else:
        print(f"added note {added['id']} to {args.id}")
    return 0
