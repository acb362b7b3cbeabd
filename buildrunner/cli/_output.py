"""Output helpers shared by commands: JSON for machines, plain text for people."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from buildrunner.workspace.workspace import Workspace


def emit_json(value: Any) -> None:
    """Print ``value`` as compact JSON on one line."""
    sys.stdout.buffer.write(msgspec.json.encode(value) + b"\n")
    sys.stdout.flush()


def workspace(args: Any) -> Workspace:
    """Find the workspace from ``--root`` or the current directory."""
    return Workspace.discover(Path(args.root) if args.root else None)


def bar(percent: int, width: int = 20) -> str:
    """A text progress bar such as ``[#####...............]``."""
    filled = percent * width // 100
    return "[" + "#" * filled + "." * (width - filled) + "]"
