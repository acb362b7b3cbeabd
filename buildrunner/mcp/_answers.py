"""Compact answer shapes for MCP tools.

Agents pay for every token they read, so answers carry only what is set: empty strings, lists, objects
and nulls are left out, and lists of items are rows of a few fields that point at `show` for the rest.
"""

from __future__ import annotations

from typing import Any

import msgspec

from buildrunner.spec.document import Located
from buildrunner.spec.views import MicrostepLike, MicrostepView

Answer = dict[str, Any]

_EMPTY: tuple[Any, ...] = (None, "", [], {})


def compact(value: Any) -> Any:
    """Return ``value`` with empty strings, lists, objects and nulls removed at every depth.

    ``False`` and ``0`` are kept: they are information (an unmet criterion, a zero estimate).
    """
    if isinstance(value, dict):
        cleaned = {key: compact(item) for key, item in value.items()}
        return {key: item for key, item in cleaned.items() if item not in _EMPTY}
    if isinstance(value, list):
        return [item for item in (compact(element) for element in value) if item not in _EMPTY]
    return value


def microstep_row(micro: MicrostepLike, step_id: str | None = None) -> Answer:
    """A one-line summary of a microstep: id, title, status, and owner, step and open criteria when set."""
    row: Answer = {"id": micro.id, "title": micro.title, "status": micro.status}
    if micro.owner:
        row["owner"] = micro.owner
    if step_id is not None:
        row["step"] = step_id
    open_criteria = sum(not criterion.met for criterion in micro.acceptance_criteria)
    if open_criteria:
        row["criteria_open"] = open_criteria
    return row


def page(rows: list[Answer], limit: int, offset: int = 0) -> Answer:
    """Cut ``rows`` to ``limit`` items (0 = all) from ``offset``; ``total`` counts every row before the cut."""
    end = offset + limit if limit else None
    return {"total": len(rows), "items": rows[offset:end]}


def show_answer(located: Located) -> Answer:
    """The detail view of one item: its own fields, its parent's id and compact rows of its children."""
    node = located.node
    answer: Answer = {"kind": located.kind}
    if located.kind == "microstep":
        answer.update(_microstep_detail(node))
    elif located.kind == "step":
        answer.update({key: value for key, value in node.items() if key != "microsteps"})
        children = node.get("microsteps", [])
        answer["microsteps"] = [microstep_row(msgspec.convert(child, MicrostepView)) for child in children]
    else:
        answer.update({key: value for key, value in node.items() if key != "steps"})
        answer["steps"] = [_step_row(step) for step in node.get("steps", [])]
    if located.parent is not None:
        # A microstep's parent is a step, a step's is a milestone; milestones have none.
        answer["step" if located.kind == "microstep" else "milestone"] = located.parent["id"]
    return dict(compact(answer))


def _microstep_detail(node: dict[str, Any]) -> Answer:
    # The file omits defaults (status todo, met false); spell them out so an agent need not know the defaults.
    detail: Answer = {"id": node["id"], "title": node.get("title", ""), "status": node.get("status", "todo")}
    detail.update((key, value) for key, value in node.items() if key not in detail)
    detail["acceptance_criteria"] = [
        {**criterion, "met": bool(criterion.get("met", False))} for criterion in node.get("acceptance_criteria", [])
    ]
    return detail


def _step_row(step: dict[str, Any]) -> Answer:
    micros = step.get("microsteps", [])
    done = sum(micro.get("status") == "done" for micro in micros)
    return {"id": step["id"], "title": step.get("title", ""), "progress": f"{done}/{len(micros)}"}
