"""Helpers of the sync tests: WEB with the demo plan at revision 1, API callers, and plans edited field by field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanConflict, PlanRevision
from app.domain.projects.services import PlanService
from tests.integration.api.conftest import key_caller
from tests.integration.conftest import World, plan_bytes

WEB: Final = "/api/v1/projects/WEB"
JSON: Final = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Callers:
    """API-key headers: alice (PM), bob (TechLead), dan (Viewer), eve (another organization)."""

    alice: dict[str, str]
    bob: dict[str, str]
    dan: dict[str, str]
    eve: dict[str, str]


async def with_plan(db: AsyncSession, world: World) -> Callers:
    """Save the demo plan as WEB's revision 1 and make a key for each caller."""
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    write = ("plan:read", "plan:write")
    return Callers(
        alice=(await key_caller(db, "alice", world.alice, *write)).headers,
        bob=(await key_caller(db, "bob", world.bob, *write)).headers,
        dan=(await key_caller(db, "dan", world.dan, "plan:read")).headers,
        eve=(await key_caller(db, "eve", world.eve, *write)).headers,
    )


def demo() -> dict[str, Any]:
    """The demo plan (WEB's revision 1) as a JSON tree."""
    tree: dict[str, Any] = json.loads(plan_bytes())
    return tree


def microstep(plan: dict[str, Any], micro_id: str) -> dict[str, Any]:
    """A microstep of ``plan`` by id (the node itself: changing it changes the plan)."""
    found: dict[str, Any] = next(m for milestone in plan["milestones"] for step in milestone["steps"]
                                 for m in step["microsteps"] if m["id"] == micro_id)
    return found


def edited(changes: dict[str, dict[str, Any]], plan: dict[str, Any] | None = None) -> dict[str, Any]:
    """``plan`` (the demo plan by default) with microstep fields changed: ``{"ms-111": {"title": "New"}}``."""
    tree = json.loads(json.dumps(plan)) if plan is not None else demo()
    for micro_id, fields in changes.items():
        microstep(tree, micro_id).update(fields)
    return tree


def body(plan: dict[str, Any]) -> bytes:
    """A plan as upload bytes."""
    return json.dumps(plan, indent=2).encode()


async def put(client: httpx.AsyncClient, headers: dict[str, str], plan: dict[str, Any], if_match: str,
              **extra: str) -> httpx.Response:
    """``PUT .../plan`` of ``plan`` made from revision ``if_match``."""
    return await client.put(f"{WEB}/plan", content=body(plan), headers={**headers, **JSON, "If-Match": if_match,
                                                                          **extra})


async def current_plan(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The current revision number and plan."""
    response = await client.get(f"{WEB}/plan", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.headers["etag"].strip('"')), response.json()


async def counts(db: AsyncSession) -> tuple[int, int]:
    """How many revisions and conflict-log entries exist."""
    await db.rollback()
    revisions = await db.scalar(select(func.count()).select_from(PlanRevision))
    conflicts = await db.scalar(select(func.count()).select_from(PlanConflict))
    return int(revisions or 0), int(conflicts or 0)
