"""`br show ID`."""

from __future__ import annotations

import argparse
from typing import Any

from buildrunner.cli._output import emit_json, workspace
from buildrunner.spec.document import PlanDocument


def run(args: argparse.Namespace) -> int:
    """Print one milestone, step or microstep (found by id or unique id prefix)."""
    document = PlanDocument.from_bytes(workspace(args).read_plan_bytes())
    located = document.find(args.id)
    node = located.node
    if args.json:
        emit_json({"kind": located.kind, "path": located.path, "item": node})
        return 0
    print(f"{located.kind} {node['id']}: {node['title']}")
    if located.kind == "microstep":
        _print_microstep(node)
    else:
        children = node.get("steps" if located.kind == "milestone" else "microsteps", [])
        if node.get("description"):
            print(f"  {node['description']}")
        if node.get("depends_on"):
            print(f"  depends on: {', '.join(node['depends_on'])}")
        for child in children:
            status = f" [{child.get('status', 'todo')}]" if located.kind == "step" else ""
            print(f"  - {child['id']}{status}  {child['title']}")
    return 0


def _print_microstep(node: dict[str, Any]) -> None:
    print(f"  status: {node.get('status', 'todo')}")
    for label, key in (("owner", "owner"), ("estimate (h)", "estimate"), ("created", "created_at"),
                       ("updated", "updated_at")):
        if node.get(key) not in (None, ""):
            print(f"  {label}: {node[key]}")
    if node.get("tags"):
        print(f"  tags: {', '.join(node['tags'])}")
    if node.get("depends_on"):
        print(f"  depends on: {', '.join(node['depends_on'])}")
    if node.get("description"):
        print(f"  {node['description']}")
    criteria = node.get("acceptance_criteria", [])
    if criteria:
        print("  acceptance criteria:")
        for c in criteria:
            print(f"    [{'x' if c.get('met') else ' '}] {c['id']}  {c['text']}")
    for link in node.get("links", []):
        print(f"  link: {link.get('title') or link['url']}  {link['url']}")
    for note in node.get("notes", []):
        author = f"{note['author']}, " if note.get("author") else ""
        print(f"  note ({author}{note.get('created_at', '')}): {note['text']}")
