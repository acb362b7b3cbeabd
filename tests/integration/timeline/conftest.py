"""The timeline tests' world: acme's WEB project with a history of every kind of event, told once by :func:`story`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import CommentCreate
from app.domain.comments.services import CommentService, ThreadService
from app.domain.governance.services import ApprovalService, PolicyService
from app.domain.projects.services import ConflictService, MergeConflicts, PlanService, PlanSyncService, Resolution
from app.domain.timeline.schemas import TimelineEvent
from app.domain.timeline.services import TimelineQuery, TimelineService
from tests.integration.conftest import SYSTEM, World, plan_bytes

__all__ = ["Story", "as_key", "edited", "events", "story"]


def edited(plan: dict[str, Any], **statuses: str) -> dict[str, Any]:
    """A copy of ``plan`` with microsteps' statuses changed: ``edited(plan, ms_212="in_progress")``."""
    tree: dict[str, Any] = json.loads(json.dumps(plan))
    wanted = {name.replace("_", "-"): status for name, status in statuses.items()}
    for milestone in tree["milestones"]:
        for step in milestone["steps"]:
            for micro in step["microsteps"]:
                if micro["id"] in wanted:
                    micro["status"] = wanted[micro["id"]]
    return tree


def as_key(person: Principal, key_id: int = 7) -> Principal:
    """``person`` calling through an API key (the ledger labels it ``email [key <id>]``)."""
    return Principal(user_id=person.user_id, email=person.email, via="api_key", credential_id=UUID(int=key_id),
                     scopes=frozenset({"plan:read", "plan:write"}))


async def events(db: AsyncSession, who: Principal, key: str = "WEB", **filters: Any) -> list[TimelineEvent]:
    """Every event of the project matching ``filters`` (all pages), newest first."""
    found: list[TimelineEvent] = []
    before = ""
    while True:
        page = await TimelineService(db).events(who, key, TimelineQuery(**filters, before=before, limit=200))
        found += page.events
        if page.next_before is None:
            return found
        before = str(page.next_before)


@dataclass
class Story:
    """What :func:`story` did: ids to look for in the events."""

    comment_id: UUID | None = None
    approval_id: UUID | None = None
    conflict_id: UUID | None = None
    resolved_revision: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


async def story(db: AsyncSession, world: World) -> Story:
    """Alice uploads the demo plan (1); Carol meets ms-132's last criterion (2) and moves it to done (3); Bob syncs
    ms-212 and ms-213 to in_progress through an API key (4); Alice pushes ms-212 as blocked from revision 3, which
    conflicts, and resolves it keeping the server's value; Carol asks to complete m-1 and Bob approves; Carol
    comments on ms-212, Bob resolves the thread and Carol deletes her comment; the operator changes the policy."""
    told = Story()
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0, message="first upload")
    await plans.check_criterion(world.carol, "WEB", "ms-132", "c2")
    await plans.set_status(world.carol, "WEB", "ms-132", "done")
    base = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    synced = edited(base, ms_212="in_progress", ms_213="in_progress")
    await PlanSyncService(db).push(as_key(world.bob), "WEB", json.dumps(synced).encode(), expected_revision=3,
                                   message="sync from bob's laptop")
    try:
        await PlanSyncService(db).push(world.alice, "WEB", json.dumps(edited(base, ms_212="blocked")).encode(),
                                       expected_revision=3, message="blocked on payments")
    except MergeConflicts as exc:
        told.conflict_id = exc.conflict_id
        choices = {item.id: Resolution(choice="theirs") for item in exc.conflicts}
    else:
        raise AssertionError("the push should have conflicted")
    resolved = await ConflictService(db).resolve(world.alice, "WEB", str(told.conflict_id), choices)
    told.resolved_revision = resolved.revision.number
    asked = await ApprovalService(db).request(world.carol, "WEB", "milestone_completion", "m-1", "ready")
    told.approval_id = asked.id
    await ApprovalService(db).decide(world.bob, "WEB", str(asked.id), "approve", "ok")
    comment = await CommentService(db).create(world.carol, "WEB", CommentCreate(
        entity_type="microstep", entity_id="ms-212", body="Payments are slow"))
    told.comment_id = comment.id
    await ThreadService(db).resolve(world.bob, "WEB", comment.id)
    await CommentService(db).delete(world.carol, "WEB", comment.id)
    change = await PolicyService(db).upload(SYSTEM, "WEB", b"version: 1\n# reviewed\n")
    assert change.approval is None
    return told


@pytest.fixture
async def told(db: AsyncSession, world: World) -> Story:
    """The world after :func:`story`."""
    return await story(db, world)
