"""Light read-only views of a plan for queries that need only a few fields (`br status`, `br next`).

Decoding into these Structs lets msgspec skip descriptions, notes and links without allocating them:
about 5x faster than the full model on a 10,000-microstep plan. The fields they do read are validated
exactly as in :mod:`buildrunner.spec.model`; `br lint` validates everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import msgspec

from buildrunner.spec.model import Status


class CriterionView(msgspec.Struct):
    """Only whether a criterion is met."""

    met: bool = False


class MicrostepView(msgspec.Struct):
    """What status and next-work queries read of a microstep."""

    id: str
    title: str
    status: Status = "todo"
    owner: str = ""
    tags: list[str] = msgspec.field(default_factory=list)
    depends_on: list[str] = msgspec.field(default_factory=list)
    acceptance_criteria: list[CriterionView] = msgspec.field(default_factory=list)


class StepView(msgspec.Struct):
    """A step's id, title, dependencies and microsteps."""

    id: str
    title: str
    depends_on: list[str] = msgspec.field(default_factory=list)
    microsteps: list[MicrostepView] = msgspec.field(default_factory=list)


class MilestoneView(msgspec.Struct):
    """A milestone's id, title and steps."""

    id: str
    title: str
    steps: list[StepView] = msgspec.field(default_factory=list)


class ProjectView(msgspec.Struct):
    """The project's name."""

    name: str


class PlanView(msgspec.Struct):
    """The parts of a plan that progress and next-work queries read."""

    project: ProjectView
    milestones: list[MilestoneView] = msgspec.field(default_factory=list)


# Protocols shared by the full model and the views, so queries accept either.

class CriterionLike(Protocol):
    """Anything with a ``met`` flag."""

    @property
    def met(self) -> bool: ...


class MicrostepLike(Protocol):
    """A microstep, full or view."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def owner(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def depends_on(self) -> Sequence[str]: ...
    @property
    def acceptance_criteria(self) -> Sequence[CriterionLike]: ...


class StepLike(Protocol):
    """A step, full or view."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def depends_on(self) -> Sequence[str]: ...
    @property
    def microsteps(self) -> Sequence[MicrostepLike]: ...


class MilestoneLike(Protocol):
    """A milestone, full or view."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def steps(self) -> Sequence[StepLike]: ...


class ProjectLike(Protocol):
    """Project metadata, full or view."""

    @property
    def name(self) -> str: ...


class PlanLike(Protocol):
    """A plan, full or view."""

    @property
    def project(self) -> ProjectLike: ...
    @property
    def milestones(self) -> Sequence[MilestoneLike]: ...
