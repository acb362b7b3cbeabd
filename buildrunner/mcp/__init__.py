"""MCP server over the workspace, for coding agents (`br mcp`).

Only :mod:`buildrunner.mcp.server` imports the ``mcp`` SDK; the tools themselves
(:mod:`buildrunner.mcp._tools`) are plain functions over the workspace, so importing this package stays cheap.
Every module here uses absolute imports, so this package never shadows the top-level ``mcp`` SDK.
"""

from __future__ import annotations

from buildrunner.mcp._tools import TOOLS, ToolSpec, call_tool

__all__ = ["TOOLS", "ToolSpec", "call_tool"]
