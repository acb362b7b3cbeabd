"""A plan as its raw JSON tree, edited in place so that unknown fields and key order survive.

Reads that only query use the typed :class:`~buildrunner.spec.model.Plan` (decoded straight from bytes,
the fast path). Edits go through :class:`PlanDocument`, which changes only the fields an edit is about:
the rest of the file, including fields written by newer versions or other tools, is kept byte for byte
in content and order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from buildrunner.errors import NotFoundError, SpecError
from buildrunner.spec import ids
from buildrunner.spec.model import Criterion, Kind, Link, Microstep, Milestone, Note, Plan, Status, Step

Node = dict[str, Any]


def utc_now() -> str:
    """Return the current time as an ISO 8601 UTC string with second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def encode_plan(raw: Node) -> bytes:
    """Encode a raw plan tree the way ``plan.json`` is stored: 2-space indent, UTF-8, trailing newline."""
    return msgspec.json.format(msgspec.json.encode(raw), indent=2) + b"\n"


def decode_plan(data: bytes) -> Plan:
    """Decode ``plan.json`` bytes into the typed model (raises ``msgspec`` errors on invalid input)."""
    return msgspec.json.decode(data, type=Plan)


@dataclass(frozen=True, slots=True)
class Located:
    """An item of the plan found by id: its kind, its raw node and the node holding it."""

    kind: Kind
    node: Node
    parent: Node | None
    path: str


class PlanDocument:
    """The raw JSON tree of a plan with an id index, for safe in-place edits."""

    def __init__(self, raw: Node) -> None:
        """Wrap a raw tree; callers validate it first (see :meth:`from_bytes`)."""
        self.raw = raw
        self._index: dict[str, Located] | None = None

    @classmethod
    def from_bytes(cls, data: bytes) -> PlanDocument:
        """Parse and type-check ``plan.json`` bytes.

        Raises:
            SpecError: when the bytes are not JSON or do not match the Build Spec schema.
        """
        try:
            raw = msgspec.json.decode(data)
            msgspec.convert(raw, Plan)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise SpecError(f"plan.json is not a valid Build Spec ({exc}); run `br lint` for details") from None
        return cls(raw)

    def to_bytes(self) -> bytes:
        """Encode the document as stored on disk."""
        return encode_plan(self.raw)

    def typed(self) -> Plan:
        """Return the typed view of the current tree."""
        return msgspec.convert(self.raw, Plan)

    # -- lookup -----------------------------------------------------------------------------------

    def _walk(self) -> Iterator[tuple[str, Located]]:
        for mi, milestone in enumerate(self.raw.get("milestones", [])):
            mpath = f"$.milestones[{mi}]"
            yield milestone["id"], Located("milestone", milestone, None, mpath)
            for si, step in enumerate(milestone.get("steps", [])):
                spath = f"{mpath}.steps[{si}]"
                yield step["id"], Located("step", step, milestone, spath)
                for ki, micro in enumerate(step.get("microsteps", [])):
                    yield micro["id"], Located("microstep", micro, step, f"{spath}.microsteps[{ki}]")

    @property
    def index(self) -> dict[str, Located]:
        """Map of every milestone, step and microstep id to where it is (first occurrence wins)."""
        if self._index is None:
            index: dict[str, Located] = {}
            for item_id, located in self._walk():
                index.setdefault(item_id, located)
            self._index = index
        return self._index

    def find(self, item_id: str, kind: Kind | None = None) -> Located:
        """Find an item by its id or by a unique prefix of it.

        Raises:
            NotFoundError: when no item (of ``kind``, if given) has that id or the prefix is ambiguous.
        """
        located = self.index.get(item_id)
        if located is None:
            matches = [key for key in self.index if key.startswith(item_id)] if item_id else []
            if len(matches) > 1:
                shown = ", ".join(sorted(matches)[:5])
                raise NotFoundError(f"id prefix {item_id!r} is ambiguous: it matches {shown}")
            if not matches:
                raise NotFoundError(f"no milestone, step or microstep has the id {item_id!r}; `br status` lists them")
            located = self.index[matches[0]]
        if kind is not None and located.kind != kind:
            raise NotFoundError(f"{located.node['id']!r} is a {located.kind}, not a {kind}")
        return located

    # -- edits ------------------------------------------------------------------------------------

    def _new_item_id(self, kind: Kind, wanted: str | None) -> str:
        if wanted is None:
            return ids.new_id(kind, self.index)
        if not wanted.strip():
            raise SpecError("an id cannot be empty")
        if wanted in self.index:
            raise SpecError(f"the id {wanted!r} is already used by a {self.index[wanted].kind}")
        return wanted

    def _remember(self, item_id: str, located: Located) -> None:
        self.index[item_id] = located

    def add_milestone(self, title: str, *, item_id: str | None = None, description: str = "") -> Node:
        """Append a milestone and return its raw node."""
        new = Milestone(id=self._new_item_id("milestone", item_id), title=_title(title), description=description)
        node: Node = msgspec.to_builtins(new)
        milestones = self.raw.setdefault("milestones", [])
        milestones.append(node)
        self._remember(new.id, Located("milestone", node, None, f"$.milestones[{len(milestones) - 1}]"))
        return node

    def add_step(
        self, milestone_id: str, title: str, *, item_id: str | None = None, description: str = "",
        depends_on: list[str] | None = None,
    ) -> Node:
        """Append a step to a milestone and return its raw node."""
        parent = self.find(milestone_id, "milestone")
        self._check_dependencies(depends_on or [])
        new = Step(
            id=self._new_item_id("step", item_id), title=_title(title), description=description,
            depends_on=list(depends_on or []),
        )
        node: Node = msgspec.to_builtins(new)
        steps = parent.node.setdefault("steps", [])
        steps.append(node)
        self._remember(new.id, Located("step", node, parent.node, f"{parent.path}.steps[{len(steps) - 1}]"))
        return node

    def add_microstep(
        self, step_id: str, title: str, *, item_id: str | None = None, description: str = "", owner: str = "",
        estimate: float | None = None, tags: list[str] | None = None, criteria: list[str] | None = None,
        depends_on: list[str] | None = None, links: list[str] | None = None, status: Status = "todo",
    ) -> Node:
        """Append a microstep to a step and return its raw node."""
        parent = self.find(step_id, "step")
        self._check_dependencies(depends_on or [])
        now = utc_now()
        new_id = self._new_item_id("microstep", item_id)
        criteria_ids: set[str] = set()
        new = Microstep(
            id=new_id, title=_title(title), status=status, description=description, owner=owner,
            estimate=estimate, tags=list(tags or []), depends_on=list(depends_on or []),
            acceptance_criteria=[
                Criterion(id=_remembered(ids.new_id("criterion", criteria_ids), criteria_ids), text=text)
                for text in criteria or []
            ],
            links=[Link(id=ids.new_id("link"), url=url) for url in links or []],
        )
        node: Node = msgspec.to_builtins(new)
        node["created_at"] = node["updated_at"] = now
        micro = parent.node.setdefault("microsteps", [])
        micro.append(node)
        self._remember(new_id, Located("microstep", node, parent.node, f"{parent.path}.microsteps[{len(micro) - 1}]"))
        return node

    def set_status(self, item_id: str, status: Status) -> Node:
        """Set a microstep's status; ``done`` requires every acceptance criterion to be met.

        Raises:
            SpecError: when moving to ``done`` with unmet criteria.
        """
        node = self.find(item_id, "microstep").node
        if status == "done":
            unmet = [c.get("id", "?") for c in node.get("acceptance_criteria", []) if not c.get("met", False)]
            if unmet:
                raise SpecError(
                    f"{node['id']} cannot be done: acceptance criteria {', '.join(unmet)} are not met; "
                    f"mark them with `br check {node['id']} CRITERION_ID`"
                )
        if node.get("status", "todo") != status:
            node["status"] = status
            node["updated_at"] = utc_now()
        return node

    def check(self, item_id: str, criterion_id: str, *, met: bool = True) -> Node:
        """Mark a microstep's acceptance criterion met (or unmet) and return the criterion node."""
        node = self.find(item_id, "microstep").node
        criteria: list[Node] = node.get("acceptance_criteria", [])
        for criterion in criteria:
            if criterion.get("id") == criterion_id:
                if node.get("status") == "done" and not met:
                    raise SpecError(f"{node['id']} is done; move it out of done before unchecking {criterion_id}")
                if criterion.get("met", False) != met:
                    criterion["met"] = met
                    node["updated_at"] = utc_now()
                return criterion
        known = ", ".join(c.get("id", "?") for c in node.get("acceptance_criteria", [])) or "none"
        raise NotFoundError(f"{node['id']} has no acceptance criterion {criterion_id!r} (it has: {known})")

    def add_note(self, item_id: str, text: str, author: str = "") -> Node:
        """Append a note to a microstep and return the note node."""
        if not text.strip():
            raise SpecError("a note cannot be empty")
        node = self.find(item_id, "microstep").node
        notes = node.setdefault("notes", [])
        taken = {n.get("id") for n in notes}
        note: Node = msgspec.to_builtins(Note(id=ids.new_id("note", taken), text=text, author=author))
        note["created_at"] = node["updated_at"] = utc_now()
        notes.append(note)
        return note

    def _check_dependencies(self, depends_on: list[str]) -> None:
        missing = [dep for dep in depends_on if dep not in self.index]
        if missing:
            raise NotFoundError(f"depends_on names unknown ids: {', '.join(missing)}")


def _title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise SpecError("a title cannot be empty")
    return cleaned


def _remembered(value: str, seen: set[str]) -> str:
    seen.add(value)
    return value
