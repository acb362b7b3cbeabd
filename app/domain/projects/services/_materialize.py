"""Rebuilding the queryable ``plan_item`` rows from a plan snapshot."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, update
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


async def materialize(db: AsyncSession, project_id: UUID, plan: Plan) -> None:
    """Replace the project's ``plan_item`` rows with those of ``plan`` (inside the caller's transaction).

    The project's progress counts are stored with them: they change only here, and the project list reads them
    with the project instead of counting every microstep on each request.
    """
    await db.execute(delete(PlanItem).where(PlanItem.project_id == project_id))
    rows = plan_rows(project_id, plan)
    await db.execute(update(Project).where(Project.id == project_id).values(**status_counts(rows)))
    if rows:
        # Defaults (ids, timestamps, empty tags) are applied per row by the ORM's bulk insert.
        await db.execute(insert(PlanItem), rows)
