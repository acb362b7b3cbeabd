"""`br mcp` end to end: the real server in a subprocess, driven by the official SDK's stdio client."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_types import CallToolResult, TextContent

from buildrunner import __version__
from buildrunner.cli import main
from buildrunner.spec.model import STATUSES

pytestmark = pytest.mark.anyio

# The real `br` entry point, run by this interpreter (so the test needs nothing on PATH).
BR = [sys.executable, "-c", "from buildrunner.cli import run; run()"]
TOOL_NAMES = ["list", "next", "show", "set_status", "check_criterion", "add_note"]


@asynccontextmanager
async def connect(root: Path, errlog: Path) -> AsyncIterator[ClientSession]:
    """Start `br mcp --root ROOT`, complete the initialize handshake and yield the session."""
    server = StdioServerParameters(command=BR[0], args=[*BR[1:], "mcp", "--root", str(root)])
    with errlog.open("w") as err:
        async with stdio_client(server, errlog=err) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def call(session: ClientSession, name: str, arguments: dict[str, Any]) -> CallToolResult:
    result = await session.call_tool(name, arguments)
    assert isinstance(result, CallToolResult)
    assert result.structured_content is None  # one text block only: no duplicate payload to pay for
    return result


def text(result: CallToolResult) -> str:
    (block,) = result.content
    assert isinstance(block, TextContent)
    return block.text


async def ok(session: ClientSession, name: str, arguments: dict[str, Any]) -> Any:
    """Call a tool that must succeed and decode its JSON answer."""
    result = await call(session, name, arguments)
    assert not result.is_error, text(result)
    return json.loads(text(result))


async def test_initialize_and_tools_list(root: Path, tmp_path: Path) -> None:
    async with connect(root, tmp_path / "stderr") as session:
        initialized = session.initialize_result
        assert initialized is not None
        assert (initialized.server_info.name, initialized.server_info.version) == ("buildrunner", __version__)
        assert initialized.capabilities.tools is not None
        assert "check_criterion" in (initialized.instructions or "")

        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert list(tools) == TOOL_NAMES
    set_status = tools["set_status"]
    assert set_status.input_schema["properties"]["status"]["enum"] == list(STATUSES)
    assert set_status.input_schema["required"] == ["id", "status"]
    assert set_status.annotations is not None
    assert set_status.annotations.read_only_hint is False
    for name in ("list", "next", "show"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True
    assert all(tool.description and tool.output_schema is None for tool in tools.values())


async def test_read_tools(root: Path, tmp_path: Path) -> None:
    async with connect(root, tmp_path / "stderr") as session:
        listed = await ok(session, "list", {"step": "s-api"})
        ready = await ok(session, "next", {})
        shown = await ok(session, "show", {"id": "ms-d"})
    assert listed == {
        "total": 2,
        "items": [
            {"id": "ms-api", "title": "Build the API", "status": "todo", "owner": "ann", "step": "s-api",
             "criteria_open": 2},
            {"id": "ms-docs", "title": "Document the API", "status": "todo", "step": "s-api"},
        ],
    }
    assert [row["id"] for row in ready["items"]] == ["ms-api", "ms-ui"]
    assert shown == {
        "kind": "microstep", "id": "ms-docs", "title": "Document the API", "status": "todo",
        "depends_on": ["ms-api"], "created_at": shown["created_at"], "updated_at": shown["updated_at"],
        "step": "s-api",
    }


async def test_write_tools_change_the_plan_file(
    root: Path, tmp_path: Path, on_disk: Callable[[str], dict[str, Any]],
) -> None:
    first, second = (c["id"] for c in on_disk("ms-api")["acceptance_criteria"])
    async with connect(root, tmp_path / "stderr") as session:
        assert await ok(session, "set_status", {"id": "ms-api", "status": "in_progress"}) == {
            "id": "ms-api", "status": "in_progress",
        }
        assert on_disk("ms-api")["status"] == "in_progress"

        checked = await ok(session, "check_criterion", {"id": "ms-api", "criterion_id": first})
        assert checked == {"id": "ms-api", "criterion": first, "met": True, "criteria_open": 1}
        await ok(session, "check_criterion", {"id": "ms-api", "criterion_id": second})
        assert [c["met"] for c in on_disk("ms-api")["acceptance_criteria"]] == [True, True]

        noted = await ok(session, "add_note", {"id": "ms-api", "text": "endpoints done", "author": "agent"})
        (note,) = on_disk("ms-api")["notes"]
        assert noted == {"id": "ms-api", "note": note["id"]}
        assert (note["text"], note["author"]) == ("endpoints done", "agent")

        assert await ok(session, "set_status", {"id": "ms-api", "status": "done"}) == {"id": "ms-api", "status": "done"}
        assert on_disk("ms-api")["status"] == "done"
        # ms-docs waited on ms-api: now it is actionable.
        assert "ms-docs" in [row["id"] for row in (await ok(session, "next", {}))["items"]]


# Each error case: tool, arguments, and the start of the message the agent must get (the CLI's own wording).
ERROR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("show", {"id": "nope"}, "no milestone, step or microstep has the id 'nope'; `br status` lists them"),
    ("set_status", {"id": "nope", "status": "review"},
     "no milestone, step or microstep has the id 'nope'; `br status` lists them"),
    ("set_status", {"id": "ms-api", "status": "done"}, "ms-api cannot be done: acceptance criteria "),
    ("set_status", {"id": "ms-api", "status": "finished"},
     "invalid arguments for set_status: Invalid enum value 'finished' - at `$.status`; "
     "status is one of todo, in_progress, blocked, review, done"),
    ("check_criterion", {"id": "ms-api", "criterion_id": "ac-nope"}, "ms-api has no acceptance criterion 'ac-nope'"),
    ("add_note", {"id": "ms-api", "text": ""}, "a note cannot be empty"),
    ("list", {"limit": "all"}, "invalid arguments for list: Expected `int`, got `str` - at `$.limit`"),
    ("drop_plan", {}, "unknown tool 'drop_plan'"),
]


async def test_errors_are_tool_errors_and_leave_the_plan_unchanged(
    root: Path, tmp_path: Path, plan_bytes: Callable[[], bytes],
) -> None:
    before = plan_bytes()
    errlog = tmp_path / "stderr"
    # One server for every case (a start costs about a second): this also shows that the session survives errors.
    async with connect(root, errlog) as session:
        for name, arguments, message in ERROR_CASES:
            result = await call(session, name, arguments)
            assert result.is_error, (name, arguments)
            assert text(result).startswith(message), (name, arguments)
            assert plan_bytes() == before, (name, arguments)
        assert (await ok(session, "list", {"limit": 1}))["total"] == 3
    assert "Traceback" not in errlog.read_text()


async def test_every_call_rereads_the_plan(root: Path, tmp_path: Path) -> None:
    plan_path = root / "buildrunner" / "specs" / "plan.json"
    async with connect(root, tmp_path / "stderr") as session:
        assert (await ok(session, "list", {}))["total"] == 3

        # Another process (here: the CLI) edits the plan while the server runs.
        assert main(["add", "microstep", "Ship it", "--id", "ms-ship", "-s", "s-ui", "--root", str(root)]) == 0
        assert (await ok(session, "show", {"id": "ms-ship"}))["title"] == "Ship it"

        good = plan_path.read_bytes()
        plan_path.write_text("{ not json")
        broken = await call(session, "list", {})
        assert broken.is_error
        assert "is not a valid Build Spec" in text(broken)
        assert "run `br lint` for details" in text(broken)

        plan_path.write_bytes(good)
        assert (await ok(session, "list", {}))["total"] == 4


def test_a_wrong_root_fails_before_serving(tmp_path: Path) -> None:
    done = subprocess.run([*BR, "mcp", "--root", str(tmp_path)], input="", capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"br: error: {tmp_path} holds no buildrunner/ directory; run `br init --root {tmp_path}`\n"
