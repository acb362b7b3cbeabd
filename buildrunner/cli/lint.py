"""`br lint [PATH]`: exit 0 when valid, 1 with findings, 2 on usage or I/O errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrunner.cli._output import emit_json, workspace
from buildrunner.spec.lint import lint_bytes
from buildrunner.workspace.files import read_bytes


def run(args: argparse.Namespace) -> int:
    """Lint the given file or the workspace's plan.json and print the findings."""
    path = Path(args.path) if args.path else workspace(args).plan_path
    findings = lint_bytes(read_bytes(path, "plan file"))
    if args.format == "json":
        emit_json({"path": str(path), "valid": not findings, "findings": findings})
    else:
        for f in findings:
            print(f"{path}:{f.line}:{f.column}: {f.code} {f.name} {f.path}: {f.message}")
        count = len(findings)
        print(f"{path}: {'valid' if not count else f'{count} finding' + ('s' if count > 1 else '')}")
    return 1 if findings else 0
