"""`br init`."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrunner.cli._output import emit_json
from buildrunner.workspace.workspace import Workspace


def run(args: argparse.Namespace) -> int:
    """Create the workspace files that are missing; never overwrite existing ones."""
    root = Path(args.root or ".").resolve()
    workspace = Workspace(root)
    created = workspace.init(name=args.name or root.name, key=args.key)
    if args.json:
        emit_json({"root": str(root), "created": [str(p.relative_to(root)) for p in created]})
    elif created:
        for path in created:
            print(f"created {path.relative_to(root)}")
    else:
        print(f"already initialised: {workspace.base} (nothing overwritten)")
    return 0
