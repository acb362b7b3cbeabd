"""`br export --format md|json|csv [--output FILE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from buildrunner.cli._output import workspace
from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.spec.document import decode_plan
from buildrunner.spec.export import to_csv, to_markdown
from buildrunner.workspace.files import atomic_write


def render(data: bytes, fmt: str, source: Path) -> bytes:
    """Turn the bytes of ``plan.json`` into the export in ``fmt`` (``md``, ``json`` or ``csv``).

    Args:
        data: the stored plan.
        fmt: the output format.
        source: where ``data`` was read from, named in errors.

    Raises:
        SpecError: when ``data`` is not a valid Build Spec (nothing half-rendered is ever written).
    """
    try:
        plan = decode_plan(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SpecError(f"{source} is not a valid Build Spec ({exc}); run `br lint` for details") from None
    if fmt == "json":
        # The stored bytes, not a re-encoding of the typed plan: fields this version does not know survive.
        return data
    return (to_csv(plan) if fmt == "csv" else to_markdown(plan)).encode()


def write_output(target: str, data: bytes) -> None:
    """Write ``data`` atomically to ``target`` (a path), turning OS errors into a clear message.

    No workspace lock is taken: the export is a whole snapshot written in one rename, so there is no
    read-modify-write that a concurrent writer could lose.

    Raises:
        WorkspaceError: when the file cannot be written.
    """
    path = Path(target)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise WorkspaceError(f"cannot write --output {target}: {_reason(path, exc)}") from None


def _reason(path: Path, exc: OSError) -> str:
    # mkdir under a regular file fails with "File exists", which names neither the file nor the fix.
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{ancestor} is a file, not a directory; choose another path"
            break
    if path.is_dir():
        return "it is a directory; give a file name"
    return f"{exc.strerror or exc}; choose a path in a writable directory"


def run(args: argparse.Namespace) -> int:
    """Print the plan as Markdown, JSON or CSV, or write it to ``--output``."""
    ws = workspace(args)
    data = render(ws.read_plan_bytes(), args.format, ws.plan_path)
    if args.output and args.output != "-":
        write_output(args.output, data)
        print(f"wrote {args.format} export to {args.output}")
        return 0
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0
