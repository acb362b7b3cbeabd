"""Queries over a typed plan: walking, progress, actionable microsteps."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from buildrunner.spec.model import STATUSES, Status
from buildrunner.spec.views import MicrostepLike, MilestoneLike, PlanLike, StepLike


def walk(plan: PlanLike) -> Iterator[tuple[MilestoneLike, StepLike, MicrostepLike]]:
    """Yield every microstep with its milestone and step, in plan order."""
    for milestone in plan.milestones:
        for step in milestone.steps:
            for micro in step.microsteps:
                yield milestone, step, micro


class Counts(msgspec.Struct, kw_only=True):
    """Microstep counts by status."""

    total: int = 0
    todo: int = 0
    in_progress: int = 0
    blocked: int = 0
    review: int = 0
    done: int = 0

    def add(self, status: Status) -> None:
        """Count one microstep of ``status``."""
        self.total += 1
        setattr(self, status, getattr(self, status) + 1)

    @property
    def percent(self) -> int:
        """Whole-number percentage of microsteps done (0 for an empty group)."""
        return (self.done * 100) // self.total if self.total else 0


class StepProgress(msgspec.Struct, kw_only=True):
    """Progress of one step."""

    id: str
    title: str
    counts: Counts


class MilestoneProgress(msgspec.Struct, kw_only=True):
    """Progress of one milestone and its steps."""

    id: str
    title: str
    counts: Counts
    steps: list[StepProgress]


class Progress(msgspec.Struct, kw_only=True):
    """Progress of the whole plan."""

    project: str
    counts: Counts
    milestones: list[MilestoneProgress]


def progress(plan: PlanLike) -> Progress:
    """Count microsteps by status for the plan, each milestone and each step."""
    total = Counts()
    milestones = []
    for milestone in plan.milestones:
        m_counts = Counts()
        steps = []
        for step in milestone.steps:
            s_counts = Counts()
            for micro in step.microsteps:
                s_counts.add(micro.status)
            for status in STATUSES:
                value = getattr(s_counts, status)
                setattr(m_counts, status, getattr(m_counts, status) + value)
            m_counts.total += s_counts.total
            steps.append(StepProgress(id=step.id, title=step.title, counts=s_counts))
        for status in STATUSES:
            setattr(total, status, getattr(total, status) + getattr(m_counts, status))
        total.total += m_counts.total
        milestones.append(MilestoneProgress(id=milestone.id, title=milestone.title, counts=m_counts, steps=steps))
    return Progress(project=plan.project.name, counts=total, milestones=milestones)


def done_ids(plan: PlanLike) -> set[str]:
    """Ids of every finished item: done microsteps, steps whose microsteps are all done, and such milestones.

    An empty step or milestone counts as finished: it holds nothing to wait for.
    """
    done: set[str] = set()
    for milestone in plan.milestones:
        milestone_done = True
        for step in milestone.steps:
            step_done = True
            for micro in step.microsteps:
                if micro.status == "done":
                    done.add(micro.id)
                else:
                    step_done = False
            if step_done:
                done.add(step.id)
            else:
                milestone_done = False
        if milestone_done:
            done.add(milestone.id)
    return done


def actionable(plan: PlanLike, owner: str | None = None) -> list[tuple[MilestoneLike, StepLike, MicrostepLike]]:
    """Microsteps that can be worked on now: not done, in review or blocked, and all dependencies done.

    A microstep also waits for the dependencies of its step. In-progress work comes first, then plan order.
    """
    done = done_ids(plan)
    ready = []
    for milestone, step, micro in walk(plan):
        if micro.status not in ("todo", "in_progress"):
            continue
        if owner is not None and micro.owner != owner:
            continue
        if all(dep in done for dep in micro.depends_on) and all(dep in done for dep in step.depends_on):
            ready.append((milestone, step, micro))
    ready.sort(key=lambda item: item[2].status != "in_progress")
    return ready
