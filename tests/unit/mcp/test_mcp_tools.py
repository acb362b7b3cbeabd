"""The MCP tools in-process (no SDK): answer shapes, filters, paging, schemas and error messages.

The protocol itself is covered by test_mcp_server.py against the real `br mcp` subprocess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from buildrunner.cli import main
from buildrunner.errors import BrError, NotFoundError, SpecError, UsageError
from buildrunner.mcp import TOOLS, call_tool
from buildrunner.mcp._answers import compact
from buildrunner.spec.model import STATUSES
from buildrunner.workspace.workspace import Workspace


@pytest.fixture
def ws(root: Path) -> Workspace:
    return Workspace(root)


def ids(answer: dict[str, Any]) -> list[str]:
    return [row["id"] for row in answer["items"]]


# -- list ------------------------------------------------------------------------------------------


def test_list_rows_are_compact_and_count_everything(ws: Workspace) -> None:
    answer = call_tool(ws, "list", {})
    assert answer == {
        "total": 3,
        "items": [
            {"id": "ms-api", "title": "Build the API", "status": "todo", "owner": "ann", "step": "s-api",
             "criteria_open": 2},
            {"id": "ms-docs", "title": "Document the API", "status": "todo", "step": "s-api"},
            {"id": "ms-ui", "title": "Build the UI", "status": "todo", "step": "s-ui"},
        ],
    }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"owner": "ann"}, ["ms-api"]),
        ({"owner": ""}, ["ms-docs", "ms-ui"]),
        ({"tag": "api"}, ["ms-api"]),
        ({"step": "s-ui"}, ["ms-ui"]),
        ({"step": "s-a"}, ["ms-api", "ms-docs"]),  # a unique prefix, like every id argument
        ({"status": "done"}, []),
        ({"status": "todo", "step": "s-api", "owner": ""}, ["ms-docs"]),
    ],
)
def test_list_filters(ws: Workspace, arguments: dict[str, Any], expected: list[str]) -> None:
    answer = call_tool(ws, "list", arguments)
    assert ids(answer) == expected
    assert answer["total"] == len(expected)


def test_list_pages_with_limit_and_offset_and_total_counts_all(ws: Workspace) -> None:
    assert call_tool(ws, "list", {"limit": 2}) | {"items": None} == {"total": 3, "items": None}
    assert ids(call_tool(ws, "list", {"limit": 2})) == ["ms-api", "ms-docs"]
    assert ids(call_tool(ws, "list", {"limit": 2, "offset": 2})) == ["ms-ui"]
    assert ids(call_tool(ws, "list", {"limit": 0})) == ["ms-api", "ms-docs", "ms-ui"]
    assert call_tool(ws, "list", {"offset": 5}) == {"total": 3, "items": []}


def test_list_default_limit_is_50(ws: Workspace, root: Path) -> None:
    for n in range(52):
        assert main(["add", "microstep", f"Extra {n}", "-s", "s-ui", "--root", str(root)]) == 0
    answer = call_tool(ws, "list", {})
    assert answer["total"] == 55
    assert len(answer["items"]) == 50


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("s-", "step prefix 's-' is ambiguous: it matches s-api, s-ui"),
        ("nope", "no step has the id 'nope'"),
    ],
)
def test_list_unknown_or_ambiguous_step_is_an_error(ws: Workspace, step: str, message: str) -> None:
    with pytest.raises(NotFoundError, match=message):
        call_tool(ws, "list", {"step": step})


# -- next ------------------------------------------------------------------------------------------


def test_next_lists_actionable_work_in_progress_first(ws: Workspace) -> None:
    assert ids(call_tool(ws, "next", {})) == ["ms-api", "ms-ui"]  # ms-docs waits for ms-api
    call_tool(ws, "set_status", {"id": "ms-ui", "status": "in_progress"})
    answer = call_tool(ws, "next", {})
    assert answer["items"][0] == {"id": "ms-ui", "title": "Build the UI", "status": "in_progress", "step": "s-ui"}
    assert ids(call_tool(ws, "next", {"owner": "ann"})) == ["ms-api"]
    assert call_tool(ws, "next", {"limit": 1}) == {"total": 2, "items": answer["items"][:1]}


# -- show ------------------------------------------------------------------------------------------


def test_show_microstep_spells_out_status_and_criteria(ws: Workspace, on_disk: Callable[[str], Any]) -> None:
    answer = call_tool(ws, "show", {"id": "ms-a"})  # unique prefix
    raw = on_disk("ms-api")
    first, second = (c["id"] for c in raw["acceptance_criteria"])
    assert answer == {
        "kind": "microstep", "id": "ms-api", "title": "Build the API", "status": "todo", "owner": "ann",
        "tags": ["api"],
        "acceptance_criteria": [
            {"id": first, "text": "endpoints return 200", "met": False},
            {"id": second, "text": "errors are problem+json", "met": False},
        ],
        "created_at": raw["created_at"], "updated_at": raw["updated_at"], "step": "s-api",
    }


def test_show_step_and_milestone_have_compact_children(ws: Workspace) -> None:
    assert call_tool(ws, "show", {"id": "s-api"}) == {
        "kind": "step", "id": "s-api", "title": "Backend", "milestone": "m1",
        "microsteps": [
            {"id": "ms-api", "title": "Build the API", "status": "todo", "owner": "ann", "criteria_open": 2},
            {"id": "ms-docs", "title": "Document the API", "status": "todo"},
        ],
    }
    call_tool(ws, "set_status", {"id": "ms-ui", "status": "done"})
    assert call_tool(ws, "show", {"id": "m1"}) == {
        "kind": "milestone", "id": "m1", "title": "Launch",
        "steps": [{"id": "s-api", "title": "Backend", "progress": "0/2"},
                  {"id": "s-ui", "title": "Frontend", "progress": "1/1"}],
    }


def test_show_keeps_fields_this_version_does_not_know(ws: Workspace, plan_bytes: Callable[[], bytes]) -> None:
    plan = json.loads(plan_bytes())
    plan["milestones"][0]["steps"][1]["microsteps"][0]["x_ticket"] = "JIRA-7"
    (ws.plan_path).write_text(json.dumps(plan))
    assert call_tool(ws, "show", {"id": "ms-ui"})["x_ticket"] == "JIRA-7"


# -- writes ----------------------------------------------------------------------------------------


def test_set_status_writes_the_plan(ws: Workspace, on_disk: Callable[[str], Any]) -> None:
    assert call_tool(ws, "set_status", {"id": "ms-u", "status": "blocked"}) == {"id": "ms-ui", "status": "blocked"}
    assert on_disk("ms-ui")["status"] == "blocked"


def test_check_criterion_reports_what_stays_open(ws: Workspace, on_disk: Callable[[str], Any]) -> None:
    first, second = (c["id"] for c in on_disk("ms-api")["acceptance_criteria"])
    assert call_tool(ws, "check_criterion", {"id": "ms-api", "criterion_id": first}) == {
        "id": "ms-api", "criterion": first, "met": True, "criteria_open": 1,
    }
    assert call_tool(ws, "check_criterion", {"id": "ms-api", "criterion_id": second})["criteria_open"] == 0
    assert call_tool(ws, "check_criterion", {"id": "ms-api", "criterion_id": first, "met": False}) == {
        "id": "ms-api", "criterion": first, "met": False, "criteria_open": 1,
    }
    assert [c.get("met", False) for c in on_disk("ms-api")["acceptance_criteria"]] == [False, True]


def test_add_note_answers_the_note_id_not_its_text(ws: Workspace, on_disk: Callable[[str], Any]) -> None:
    answer = call_tool(ws, "add_note", {"id": "ms-ui", "text": "started on the layout", "author": "agent"})
    (note,) = on_disk("ms-ui")["notes"]
    assert answer == {"id": "ms-ui", "note": note["id"]}
    assert (note["text"], note["author"]) == ("started on the layout", "agent")


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "arguments", "error", "message"),
    [
        ("show", {"id": "zz"}, NotFoundError, "no milestone, step or microstep has the id 'zz'"),
        ("show", {"id": "ms-"}, NotFoundError, "id prefix 'ms-' is ambiguous"),
        ("set_status", {"id": "m1", "status": "done"}, NotFoundError, "'m1' is a milestone, not a microstep"),
        ("set_status", {"id": "ms-api", "status": "done"}, SpecError, "ms-api cannot be done: acceptance criteria"),
        ("set_status", {"id": "ms-api", "status": "finished"}, UsageError,
         "invalid arguments for set_status: Invalid enum value 'finished' - at `\\$.status`; status is one of "
         "todo, in_progress, blocked, review, done"),
        ("set_status", {"id": "ms-api"}, UsageError, "Object missing required field `status`"),
        ("check_criterion", {"id": "ms-api", "criterion_id": "nope"}, NotFoundError,
         "ms-api has no acceptance criterion 'nope'"),
        ("add_note", {"id": "ms-api", "text": "  "}, SpecError, "a note cannot be empty"),
        ("list", {"stauts": "todo"}, UsageError, "Object contains unknown field `stauts`"),
        ("list", {"limit": -1}, UsageError, "Expected `int` >= 0 - at `\\$.limit`"),
        ("delete", {}, UsageError, "unknown tool 'delete'; the tools are: list, next, show"),
    ],
)
def test_errors_carry_a_clear_message_and_change_nothing(
    ws: Workspace, plan_bytes: Callable[[], bytes], name: str, arguments: dict[str, Any], error: type[BrError],
    message: str,
) -> None:
    before = plan_bytes()
    with pytest.raises(error, match=message):
        call_tool(ws, name, arguments)
    assert plan_bytes() == before


def test_an_invalid_plan_is_reported_on_every_read(ws: Workspace) -> None:
    ws.plan_path.write_text('{"version": 1}')
    for name in ("list", "next"):
        with pytest.raises(SpecError, match="is not a valid Build Spec"):
            call_tool(ws, name, {})
    with pytest.raises(SpecError, match="run `br lint` for details"):
        call_tool(ws, "show", {"id": "ms-api"})


# -- schemas and helpers ---------------------------------------------------------------------------


def test_input_schemas_are_inline_strict_objects() -> None:
    for spec in TOOLS.values():
        schema = spec.input_schema()
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert "$ref" not in json.dumps(schema)
        assert "title" not in schema
    assert TOOLS["set_status"].input_schema()["properties"]["status"] == {"enum": list(STATUSES), "type": "string"}
    assert TOOLS["set_status"].input_schema()["required"] == ["id", "status"]
    assert "required" not in TOOLS["list"].input_schema()
    assert TOOLS["list"].input_schema()["properties"]["limit"]["default"] == 50


def test_compact_drops_empties_but_keeps_false_and_zero() -> None:
    value: dict[str, Any] = {
        "a": "", "b": [], "c": {}, "d": None, "e": False, "f": 0, "g": [{"h": ""}, {"i": 1}], "j": {"k": []},
    }
    assert compact(value) == {"e": False, "f": 0, "g": [{"i": 1}]}
