"""`br governance validate [PATH]`: exit 0 when the policy is valid, 1 with findings, 2 on usage or I/O errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import WorkspaceError
from buildrunner.governance._load import read_policy_bytes
from buildrunner.governance.validate import validate_policy_bytes


def validate(args: argparse.Namespace) -> int:
    """Validate the given policy file or the workspace's ``policy.yml`` and print the findings."""
    path = Path(args.path) if args.path else workspace(args).policy_path
    data = read_policy_bytes(path)
    if data is None:
        if args.path:
            raise WorkspaceError(f"policy file not found at {path}")
        # No policy is a valid policy: every section takes its default (docs/policy.md).
        if args.format == "json":
            emit_json({"path": str(path), "valid": True, "exists": False, "findings": []})
        else:
            print(f"{path}: no policy file; the defaults apply (see docs/policy.md)")
        return 0
    findings = validate_policy_bytes(data)
    if args.format == "json":
        emit_json({"path": str(path), "valid": not findings, "exists": True, "findings": findings})
    else:
        for f in findings:
            hint = f"; {f.hint}" if f.hint else ""
            print(f"{path}:{f.line}:{f.column}: {f.code} {f.name} {f.path}: {f.message}{hint}")
        count = len(findings)
        print(f"{path}: {'valid' if not count else f'{count} finding' + ('s' if count > 1 else '')}")
    return 1 if findings else 0
