"""Fast reads of a stored plan snapshot: msgspec decodes only the fields a page shows and skips the rest.

A 10,000-microstep plan.json is about 10 MB; decoding it into the full model (dates, notes, links) costs
several times more than decoding these slim Structs, which in turn costs less than fetching 10,000 ``plan_item``
rows through the ORM. The slim tree of a revision is kept in a small per-process cache (revisions never change).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanRevision
from app.domain.projects.schemas import ProjectAccess

__all__ = [
    "MicrostepHead",
    "SlimMicrostep",
    "SlimPlan",
    "current_slim",
    "current_snapshot",
    "decode_heads",
    "decode_slim",
]


class SlimCriterion(msgspec.Struct):
    """Only whether a criterion is met."""

    met: bool = False


class SlimMicrostep(msgspec.Struct):
    """What the plan tree shows of a microstep."""

    id: str
    title: str
    status: str = "todo"
    owner: str = ""
    tags: list[str] = []
    acceptance_criteria: list[SlimCriterion] = []


class SlimStep(msgspec.Struct):
    """A step with its slim microsteps."""

    id: str
    title: str
    microsteps: list[SlimMicrostep] = []


class SlimMilestone(msgspec.Struct):
    """A milestone with its slim steps."""

    id: str
    title: str
    steps: list[SlimStep] = []


class SlimPlan(msgspec.Struct):
    """The plan's tree, nothing else."""

    milestones: list[SlimMilestone] = []


class MicrostepHead(msgspec.Struct):
    """A microstep's id, title and status (the rest of its JSON is decoded only for the one a page shows)."""

    id: str
    title: str = ""
    status: str = "todo"


class _RawStep(msgspec.Struct):
    id: str
    title: str
    microsteps: list[msgspec.Raw] = []


class _RawMilestone(msgspec.Struct):
    id: str
    title: str
    steps: list[_RawStep] = []


class _RawPlan(msgspec.Struct):
    milestones: list[_RawMilestone] = []


_SLIM: Final = msgspec.json.Decoder(SlimPlan)
_RAW: Final = msgspec.json.Decoder(_RawPlan)
_HEAD: Final = msgspec.json.Decoder(MicrostepHead)


def decode_slim(snapshot: str | bytes) -> SlimPlan:
    """The tree of a stored (already linted) snapshot."""
    return _SLIM.decode(snapshot)


def decode_heads(snapshot: str | bytes) -> list[tuple[str, str, str, MicrostepHead | None, msgspec.Raw | None]]:
    """Every item in plan order as (kind, id, title, head, raw JSON of a microstep)."""
    items: list[tuple[str, str, str, MicrostepHead | None, msgspec.Raw | None]] = []
    for milestone in _RAW.decode(snapshot).milestones:
        items.append(("milestone", milestone.id, milestone.title, None, None))
        for step in milestone.steps:
            items.append(("step", step.id, step.title, None, None))
            for raw in step.microsteps:
                head = _HEAD.decode(raw)
                items.append(("microstep", head.id, head.title, head, raw))
    return items


class _Recent:
    """The slim trees of the last few revisions read: a revision never changes, so its tree can be kept.

    Keyed by (project id, revision number); a new revision is a new key, so nothing is ever stale. Bounded,
    least recently used first out, per process.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[UUID, int], SlimPlan] = OrderedDict()

    def get(self, key: tuple[UUID, int]) -> SlimPlan | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: tuple[UUID, int], plan: SlimPlan) -> None:
        self.items[key] = plan
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


_RECENT: Final = _Recent(16)


async def current_slim(db: AsyncSession, project: ProjectAccess) -> SlimPlan:
    """The slim tree of the project's current revision (empty before the first upload)."""
    key = (project.id, project.current_revision)
    cached = _RECENT.get(key)
    if cached is None:
        snapshot = await current_snapshot(db, project)
        cached = decode_slim(snapshot) if snapshot else SlimPlan()
        _RECENT.put(key, cached)
    return cached


async def current_snapshot(db: AsyncSession, project: ProjectAccess) -> str | None:
    """The text of the project's current revision (``None`` before the first upload)."""
    if project.current_revision == 0:
        return None
    return await db.scalar(
        select(PlanRevision.snapshot)
        .where(PlanRevision.project_id == project.id, PlanRevision.number == project.current_revision)
    )
