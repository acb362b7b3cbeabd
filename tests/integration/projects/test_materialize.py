"""The queryable plan rows follow every revision exactly, though a save writes only the rows that changed."""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem, Project
from app.domain.projects.services import PlanService
from tests.integration.conftest import World, plan_bytes

COLUMNS = ("item_id", "kind", "parent_id", "position", "title", "status", "owner", "tags", "criteria_met",
           "criteria_total")


async def project_rows(db: AsyncSession, key: str) -> list[tuple[Any, ...]]:
    project_id = await db.scalar(select(Project.id).where(Project.key == key))
    result = await db.execute(select(*(getattr(PlanItem, c) for c in COLUMNS)).where(PlanItem.project_id == project_id)
                              .order_by(PlanItem.position))
    return [tuple(row) for row in result]


async def fresh_rows(db: AsyncSession, world: World, data: bytes) -> list[tuple[Any, ...]]:
    """The rows a first save of ``data`` makes (in a throw-away project)."""
    from app.domain.projects.services import ProjectService  # noqa: PLC0415

    await ProjectService(db).create(world.alice, "acme", "FRESH", "Fresh", "")
    await PlanService(db).save(world.alice, "FRESH", data, expected_revision=0, org="acme")
    return await project_rows(db, "FRESH")


def microsteps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for milestone in plan["milestones"] for step in milestone["steps"] for m in step["microsteps"]]


async def test_rows_after_edits_equal_a_fresh_build_of_the_same_plan(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    first = json.loads(plan_bytes())
    await plans.save(world.alice, "WEB", json.dumps(first).encode(), expected_revision=0, org="acme")
    edited = copy.deepcopy(first)
    steps = [step for milestone in edited["milestones"] for step in milestone["steps"]]
    items = microsteps(edited)
    items[0]["title"] = "Retitled"
    items[1]["status"] = "blocked"
    items[2]["tags"] = ["new-tag", *items[2].get("tags", [])]
    moved = items[3]
    next(step for step in steps if moved in step["microsteps"])["microsteps"].remove(moved)
    steps[-1]["microsteps"].append(moved)
    removed = items[4]
    next(step for step in steps if removed in step["microsteps"])["microsteps"].remove(removed)
    steps[0]["microsteps"].insert(0, {"id": "ms-added-first", "title": "Added at the top", "owner": "zoe"})
    data = json.dumps(edited).encode()
    await plans.save(world.alice, "WEB", data, expected_revision=1, org="acme")

    stored = await project_rows(db, "WEB")
    assert stored == await fresh_rows(db, world, data)
    titles = {row[0]: row[4] for row in stored}
    assert titles["ms-added-first"] == "Added at the top" and removed["id"] not in titles
    assert titles[items[0]["id"]] == "Retitled"

