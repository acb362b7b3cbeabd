"""The MCP tools as plain functions over a workspace: argument Structs, handlers and their registry.

Nothing here imports the ``mcp`` SDK: :mod:`buildrunner.mcp.server` only lists these tools and calls
:func:`call_tool`. Each argument Struct is both the validator of a call and the source of the tool's
JSON input schema, so the two cannot drift apart. Reads re-load the plan on every call (the file can change
under a long-running server); writes go through :func:`~buildrunner.workspace.workspace.run_edit`, atomic
under the workspace lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

from buildrunner.errors import NotFoundError, UsageError
from buildrunner.mcp._answers import Answer, microstep_row, page, show_answer
from buildrunner.spec.document import PlanDocument
from buildrunner.spec.model import STATUSES, Status
from buildrunner.spec.tree import actionable, walk
from buildrunner.spec.views import MicrostepLike, PlanLike, StepLike
from buildrunner.workspace.workspace import Workspace, run_edit

MicrostepId = Annotated[str, Meta(description="Microstep id or a unique prefix of it.")]
Limit = Annotated[int, Meta(ge=0, description="Return at most this many items (0 = all).")]


class _Args(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base of tool arguments: unknown fields are refused, so a misspelt argument is never silently ignored."""


class ListArgs(_Args):
    """Arguments of `list`."""

    status: Annotated[Status, Meta(description="Only microsteps with this status.")] | UnsetType = UNSET
    owner: Annotated[str, Meta(description='Only microsteps owned by this person ("" = unowned).')] | UnsetType = UNSET
    tag: Annotated[str, Meta(description="Only microsteps with this tag.")] | UnsetType = UNSET
    step: Annotated[str, Meta(description="Only microsteps of this step (id or unique prefix).")] | UnsetType = UNSET
    limit: Limit = 50
    offset: Annotated[int, Meta(ge=0, description="Skip this many items first (paging).")] = 0


class NextArgs(_Args):
    """Arguments of `next`."""

    owner: Annotated[str, Meta(description="Only microsteps owned by this person.")] | UnsetType = UNSET
    limit: Limit = 10


class ShowArgs(_Args):
    """Arguments of `show`."""

    id: Annotated[str, Meta(description="Milestone, step or microstep id, or a unique prefix of it.")]


class SetStatusArgs(_Args):
    """Arguments of `set_status`."""

    id: MicrostepId
    status: Status


class CheckCriterionArgs(_Args):
    """Arguments of `check_criterion`."""

    id: MicrostepId
    criterion_id: Annotated[str, Meta(description="Acceptance criterion id, as listed by `show`.")]
    met: Annotated[bool, Meta(description="false marks it unmet again.")] = True


class AddNoteArgs(_Args):
    """Arguments of `add_note`."""

    id: MicrostepId
    text: Annotated[str, Meta(description="The note: what was done, a decision, a blocker.")]
    author: Annotated[str, Meta(description="Who writes it, e.g. the agent's name.")] = ""


ArgsT = TypeVar("ArgsT", bound=_Args)


@dataclass(frozen=True, slots=True)
class ToolSpec(Generic[ArgsT]):
    """One tool: its name and description for `tools/list`, its argument Struct and its handler."""

    name: str
    description: str
    args: type[ArgsT]
    handler: Callable[[Workspace, ArgsT], Answer]
    read_only: bool

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the arguments, inlined and without the Struct's title and docstring."""
        schema = msgspec.json.schema(self.args)
        inline: dict[str, Any] = dict(schema["$defs"][self.args.__name__])
        inline.pop("title", None)
        inline.pop("description", None)
        for prop in inline.get("properties", {}).values():
            if "enum" in prop:
                # Some clients' function calling wants a type beside an enum; statuses read best in workflow order.
                prop["type"] = "string"
                if set(prop["enum"]) == set(STATUSES):
                    prop["enum"] = list(STATUSES)
        if not inline.get("required"):
            inline.pop("required", None)  # `[]` says nothing; leave it out to save tokens.
        return inline


def list_microsteps(workspace: Workspace, args: ListArgs) -> Answer:
    """Microsteps in plan order, filtered by status, owner, tag and step, cut to ``limit`` from ``offset``."""
    plan = workspace.load_view()
    step_id = _resolve_step(plan, args.step) if isinstance(args.step, str) else None
    rows = [
        microstep_row(micro, step.id) for _, step, micro in walk(plan) if _matches(args, step_id, step, micro)
    ]
    return page(rows, args.limit, args.offset)


def next_microsteps(workspace: Workspace, args: NextArgs) -> Answer:
    """Actionable microsteps (see :func:`buildrunner.spec.tree.actionable`), in-progress ones first."""
    owner = args.owner if isinstance(args.owner, str) else None
    ready = actionable(workspace.load_view(), owner=owner)
    return page([microstep_row(micro, step.id) for _, step, micro in ready], args.limit)


def show_item(workspace: Workspace, args: ShowArgs) -> Answer:
    """One milestone, step or microstep by id or unique prefix, with compact rows of its children."""
    # The raw document, not the typed plan: fields this version does not know about are shown too.
    document = PlanDocument.from_bytes(workspace.read_plan_bytes())
    return show_answer(document.find(args.id))


def set_status(workspace: Workspace, args: SetStatusArgs) -> Answer:
    """Set a microstep's status; ``done`` needs every acceptance criterion met."""
    node = run_edit(workspace, lambda document: document.set_status(args.id, args.status))
    return {"id": node["id"], "status": node["status"]}


def check_criterion(workspace: Workspace, args: CheckCriterionArgs) -> Answer:
    """Mark an acceptance criterion met (or unmet); the answer says how many stay open."""

    def action(document: PlanDocument) -> Answer:
        criterion = document.check(args.id, args.criterion_id, met=args.met)
        node = document.find(args.id, "microstep").node
        still_open = sum(not c.get("met", False) for c in node.get("acceptance_criteria", []))
        return {"id": node["id"], "criterion": criterion["id"], "met": criterion.get("met", False),
                "criteria_open": still_open}

    answer: Answer = run_edit(workspace, action)
    return answer


def add_note(workspace: Workspace, args: AddNoteArgs) -> Answer:
    """Append a note to a microstep; the answer names the new note, not its text (the caller has it)."""

    def action(document: PlanDocument) -> Answer:
        note = document.add_note(args.id, args.text, args.author)
        return {"id": document.find(args.id, "microstep").node["id"], "note": note["id"]}

    answer: Answer = run_edit(workspace, action)
    return answer


TOOLS: Mapping[str, ToolSpec[Any]] = {
    spec.name: spec
    for spec in (
        ToolSpec("list", "List microsteps in plan order, optionally filtered. Answer: {total, items: "
                 "[{id, title, status, owner?, step, criteria_open?}]}; absent fields are empty.",
                 ListArgs, list_microsteps, read_only=True),
        ToolSpec("next", "Microsteps to work on now: todo or in_progress (in_progress first) with every dependency "
                 "done. Answer shaped like `list`.", NextArgs, next_microsteps, read_only=True),
        ToolSpec("show", "One milestone, step or microstep with its details: a microstep's acceptance criteria, "
                 "notes and links; a step's microsteps; a milestone's steps.", ShowArgs, show_item, read_only=True),
        ToolSpec("set_status", "Set a microstep's status. `done` is refused until every acceptance criterion is "
                 "met (see check_criterion). Answer: {id, status}.", SetStatusArgs, set_status, read_only=False),
        ToolSpec("check_criterion", "Mark a microstep's acceptance criterion met (met=false: unmet). "
                 "Answer: {id, criterion, met, criteria_open}.", CheckCriterionArgs, check_criterion,
                 read_only=False),
        ToolSpec("add_note", "Append a note to a microstep. Answer: {id, note} (the new note's id).",
                 AddNoteArgs, add_note, read_only=False),
    )
}


def call_tool(workspace: Workspace, name: str, arguments: Mapping[str, Any] | None) -> Answer:
    """Validate ``arguments`` for tool ``name`` and run it.

    Raises:
        BrError: for an unknown tool, invalid arguments, or any error the edit or read reports
            (unknown id, unmet criteria, invalid plan, unreadable files).
    """
    spec = TOOLS.get(name)
    if spec is None:
        raise UsageError(f"unknown tool {name!r}; the tools are: {', '.join(TOOLS)}")
    try:
        args = msgspec.convert(dict(arguments or {}), spec.args)
    except msgspec.ValidationError as exc:
        raise UsageError(_argument_error(name, exc)) from None
    return spec.handler(workspace, args)


def _argument_error(tool: str, exc: msgspec.ValidationError) -> str:
    message = f"invalid arguments for {tool}: {exc}"
    if "`$.status`" in str(exc):
        message += f"; status is one of {', '.join(STATUSES)}"
    return message


def _matches(args: ListArgs, step_id: str | None, step: StepLike, micro: MicrostepLike) -> bool:
    return (
        (not isinstance(args.status, str) or micro.status == args.status)
        and (not isinstance(args.owner, str) or micro.owner == args.owner)
        and (not isinstance(args.tag, str) or args.tag in micro.tags)
        and (step_id is None or step.id == step_id)
    )


def _resolve_step(plan: PlanLike, wanted: str) -> str:
    """Return the id of the step named by ``wanted`` (an id or a unique prefix), like ``PlanDocument.find``."""
    step_ids = [step.id for milestone in plan.milestones for step in milestone.steps]
    if wanted in step_ids:
        return wanted
    matches = sorted({step_id for step_id in step_ids if step_id.startswith(wanted)}) if wanted else []
    if len(matches) > 1:
        raise NotFoundError(f"step prefix {wanted!r} is ambiguous: it matches {', '.join(matches[:5])}")
    if not matches:
        raise NotFoundError(f"no step has the id {wanted!r}; `show` a milestone to list its steps")
    return matches[0]
