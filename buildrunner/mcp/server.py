"""The MCP stdio server: lists the tools of :mod:`buildrunner.mcp._tools` and answers their calls.

Built on the low-level ``mcp.server.lowlevel.Server`` of the official SDK (2.x) rather than ``MCPServer``:
the tools' input schemas come from msgspec Structs (one source for validation and schema), and answers are
one compact JSON text block with no duplicated ``structuredContent`` — agents pay for every token.
This module is imported only when `br mcp` runs: the SDK is heavy and `br --help` must stay fast.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import anyio
import anyio.to_thread
import msgspec
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp_types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)

from buildrunner import __version__
from buildrunner.errors import BrError
from buildrunner.mcp._tools import TOOLS, ToolSpec, call_tool
from buildrunner.workspace.workspace import Workspace

logger = logging.getLogger(__name__)

SERVER_NAME = "buildrunner"

INSTRUCTIONS = (
    "BuildRunner Build Spec of this repository: milestones > steps > microsteps; a microstep has a status "
    "and acceptance criteria. Workflow: `next` to pick work, set_status in_progress, do it, check_criterion "
    "each criterion, add_note what you did, then set_status done (or review). Ids accept a unique prefix."
)


def tool_definitions() -> list[Tool]:
    """The MCP ``Tool`` entries for `tools/list`, built once from the tool registry."""
    return [_definition(spec) for spec in TOOLS.values()]


def _definition(spec: ToolSpec[Any]) -> Tool:
    if spec.read_only:
        annotations = ToolAnnotations(read_only_hint=True)
    else:
        # Edits change one field or append a note; nothing is ever deleted.
        annotations = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
    return Tool(name=spec.name, description=spec.description, input_schema=spec.input_schema(),
                annotations=annotations)


def build_server(workspace: Workspace) -> Server[Any]:
    """Return a low-level MCP server whose tools read and edit ``workspace``.

    Args:
        workspace: the repository whose ``buildrunner/specs/plan.json`` the tools work on.
    """
    tools = tool_definitions()

    async def list_tools(_ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=tools)

    async def handle_call(_ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        return await answer_call(workspace, params.name, params.arguments)

    return Server(
        SERVER_NAME, version=__version__, instructions=INSTRUCTIONS, on_list_tools=list_tools,
        on_call_tool=handle_call,
    )


async def answer_call(workspace: Workspace, name: str, arguments: dict[str, Any] | None) -> CallToolResult:
    """Run one tool call and wrap its answer, or its error message, as a ``CallToolResult``.

    Expected errors become tool errors (``is_error``) carrying the CLI's message, so the agent can read them
    and correct itself; the session never dies and no traceback reaches the agent.
    """
    try:
        # File I/O and the workspace lock block: keep them off the event loop that serves the session.
        answer = await anyio.to_thread.run_sync(call_tool, workspace, name, arguments)
    except BrError as exc:
        return _error(str(exc))
    except Exception as exc:
        if os.environ.get("BR_DEBUG"):
            logger.exception("tool %r failed", name)  # stderr only: the agent still gets the one-line message
        return _error(f"internal error: {type(exc).__name__}: {exc} (set BR_DEBUG=1 for details)")
    return CallToolResult(content=[TextContent(text=msgspec.json.encode(answer).decode())])


def _error(message: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(text=message)], is_error=True)


def serve(workspace: Workspace) -> None:
    """Serve ``workspace`` over MCP on stdin/stdout until the client closes the connection."""
    anyio.run(_serve_stdio, workspace)


async def _serve_stdio(workspace: Workspace) -> None:
    server = build_server(workspace)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
