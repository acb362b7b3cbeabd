"""Rebuilding the queryable ``plan_item`` rows from a plan snapshot."""

from __future__ import annotations

from typing import Any, Final, cast
from uuid import UUID

import msgspec
from sqlalchemy import Table, Text, bindparam, delete, insert, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem, Project
from buildrunner.spec.model import STATUSES, Plan

__all__ = ["materialize"]


def plan_rows(project_id: UUID, plan: Plan) -> list[dict[str, Any]]:
    """One row per milestone, step and microstep, in plan order."""
    rows: list[dict[str, Any]] = []

    def add(item_id: str, kind: str, parent: str | None, title: str, **extra: Any) -> None:
        rows.append({"project_id": project_id, "item_id": item_id, "kind": kind, "parent_id": parent,
                     "position": len(rows), "title": title, **extra})

    for milestone in plan.milestones:
        add(milestone.id, "milestone", None, milestone.title)
        for step in milestone.steps:
            add(step.id, "step", milestone.id, step.title)
            for micro in step.microsteps:
                criteria = micro.acceptance_criteria
                add(micro.id, "microstep", step.id, micro.title, status=micro.status, owner=micro.owner,
                    tags=list(micro.tags), criteria_met=sum(1 for c in criteria if c.met),
                    criteria_total=len(criteria))
    return rows


def status_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The microsteps of ``rows`` by status, as the ``Project`` columns that keep them (``count_<status>``)."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows:
        if row["kind"] == "microstep" and row["status"] in counts:
            counts[row["status"]] += 1
    return {f"count_{status}": count for status, count in counts.items()}


# What a row holds besides its identity, with the defaults rows of milestones and steps leave out.
_FIELDS: Final[dict[str, Any]] = {"kind": None, "parent_id": None, "position": 0, "title": "", "status": None,
                                  "owner": "", "tags": [], "criteria_met": 0, "criteria_total": 0}
_TAGS: Final = list(_FIELDS).index("tags")
_CHUNK: Final = 500  # ids per DELETE ... IN (...): well under SQLite's and asyncpg's parameter limits


def _content(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(default if row.get(name) is None else row[name] for name, default in _FIELDS.items())


def _stored_content(row: Any) -> tuple[Any, ...]:
    # The query's columns are (item_id, *_FIELDS), read by position: a mapping per row doubled the cost. On
    # SQLite tags arrive as JSON text, which msgspec decodes 10,000 times in milliseconds (the JSON column
    # type's json.loads per row took most of a save).
    content = [default if value is None else value for value, default in zip(row[1:], _FIELDS.values(), strict=True)]
    tags = content[_TAGS]
    if isinstance(tags, str | bytes):  # SQLite gives the text; asyncpg has decoded jsonb already
        content[_TAGS] = msgspec.json.decode(tags) if tags else []
    return tuple(content)


def _tree_contents(tree: Any) -> dict[str, tuple[Any, ...]]:
    """What :func:`plan_rows` gives for a stored (valid) revision, read from its JSON tree: the rows a save leaves."""
    contents: dict[str, tuple[Any, ...]] = {}
    position = 0
    for milestone in tree.get("milestones", []):
        contents[milestone["id"]] = ("milestone", None, position, milestone["title"], None, "", [], 0, 0)
        position += 1
        for step in milestone.get("steps", []):
            contents[step["id"]] = ("step", milestone["id"], position, step["title"], None, "", [], 0, 0)
            position += 1
            for micro in step.get("microsteps", []):
                criteria = micro.get("acceptance_criteria", [])
                contents[micro["id"]] = ("microstep", step["id"], position, micro["title"],
                                         micro.get("status", "todo"), micro.get("owner", ""), micro.get("tags", []),
                                         sum(1 for c in criteria if c.get("met", False)), len(criteria))
                position += 1
    return contents


async def materialize(db: AsyncSession, project_id: UUID, plan: Plan, previous: Any = None) -> None:
    """Bring the project's ``plan_item`` rows to those of ``plan`` (inside the caller's transaction).

    Only what changed is written: rows of items that left the plan are deleted, new items inserted, and items
    whose title, status, place (...) changed updated, so saving a 1% change of a 10,000-microstep plan writes
    about a hundred rows, not ten thousand. ``previous`` is the JSON tree of the revision the rows hold now, when
    the caller has it: the rows are then compared with it instead of being read back. The project's progress
    counts are stored with them: they change only here, and the project list reads them with the project instead
    of counting every microstep on each request.
    """
    rows = plan_rows(project_id, plan)
    await db.execute(update(Project).where(Project.id == project_id).values(**status_counts(rows)))
    if previous is not None:
        stored = _tree_contents(previous)
    else:
        columns = [type_coerce(PlanItem.tags, Text).label("tags") if name == "tags" else getattr(PlanItem, name)
                   for name in _FIELDS]
        stored = {row[0]: _stored_content(row) for row in await db.execute(
            select(PlanItem.item_id, *columns).where(PlanItem.project_id == project_id))}
    wanted = {row["item_id"] for row in rows}
    gone = [item_id for item_id in stored if item_id not in wanted]
    for start in range(0, len(gone), _CHUNK):
        await db.execute(delete(PlanItem).where(PlanItem.project_id == project_id,
                                                PlanItem.item_id.in_(gone[start:start + _CHUNK])))
    changed = []
    for row in rows:
        old = stored.get(row["item_id"])
        if old is not None and (content := _content(row)) != old:
            changed.append({"key": row["item_id"], **dict(zip(_FIELDS, content, strict=True))})
    if changed:
        table = cast("Table", PlanItem.__table__)  # Core: the ORM's bulk update wants primary keys, not item ids
        await db.execute(  # one executemany; rows are found by (project, item id), the table's unique key
            update(table).where(table.c.project_id == project_id, table.c.item_id == bindparam("key"))
            .values({name: bindparam(name) for name in _FIELDS}),
            changed,
        )
    added = [row for row in rows if row["item_id"] not in stored]
    if added:
        # Defaults (ids, timestamps, empty tags) are applied per row by the ORM's bulk insert.
        await db.execute(insert(PlanItem), added)
