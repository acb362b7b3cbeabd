"""`br schema`."""

from __future__ import annotations

import argparse
import sys

from buildrunner.spec.schema import schema_bytes


def run(args: argparse.Namespace) -> int:
    """Print the Build Spec JSON Schema."""
    sys.stdout.buffer.write(schema_bytes())
    return 0
