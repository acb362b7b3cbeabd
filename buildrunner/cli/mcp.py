"""`br mcp`: serve the workspace to coding agents over MCP (stdio)."""

from __future__ import annotations

import argparse

from buildrunner.cli._output import workspace


def run(args: argparse.Namespace) -> int:
    """Serve the workspace's plan over MCP on stdin/stdout until the client disconnects."""
    # Find the workspace before starting the server, so a wrong --root fails with the usual one-line error.
    found = workspace(args)
    # The SDK is imported here, not at module level: only `br mcp` pays for it.
    from buildrunner.mcp.server import serve  # noqa: PLC0415

    serve(found)
    return 0
