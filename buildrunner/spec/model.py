"""The Build Spec model: msgspec Structs for `buildrunner/specs/plan.json`.

These Structs define the schema (see :func:`buildrunner.spec.schema.json_schema`) and give typed,
fast read access. Edits are applied to the raw JSON tree (:class:`buildrunner.spec.document.PlanDocument`)
so that fields this version does not know about survive every read-modify-write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec

SPEC_VERSION: Final = 1

Status = Literal["todo", "in_progress", "blocked", "review", "done"]
STATUSES: Final[tuple[Status, ...]] = ("todo", "in_progress", "blocked", "review", "done")

NonEmptyId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="Stable id, unique in the plan.")]


class Criterion(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """An acceptance criterion of a microstep."""

    id: NonEmptyId
    text: str
    met: bool = False


class Link(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """A link from a microstep to a pull request, issue, file, test result or document."""

    id: NonEmptyId
    url: str
    title: str = ""
    kind: str = ""


class Note(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """A free-text note appended to a microstep (by a person or an agent)."""

    id: NonEmptyId
    text: str
    author: str = ""
    created_at: datetime | None = None


class Microstep(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """The unit of work: has a status and acceptance criteria."""

    id: NonEmptyId
    title: str
    status: Status = "todo"
    description: str = ""
    owner: str = ""
    estimate: Annotated[float, msgspec.Meta(ge=0, description="Estimated effort in hours.")] | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    links: list[Link] = msgspec.field(default_factory=list)
    depends_on: list[str] = msgspec.field(default_factory=list)
    notes: list[Note] = msgspec.field(default_factory=list)
    acceptance_criteria: list[Criterion] = msgspec.field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Step(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """A major unit of work inside a milestone, made of microsteps."""

    id: NonEmptyId
    title: str
    description: str = ""
    depends_on: list[str] = msgspec.field(default_factory=list)
    microsteps: list[Microstep] = msgspec.field(default_factory=list)


class Milestone(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """A high-level phase of the project, made of steps."""

    id: NonEmptyId
    title: str
    description: str = ""
    steps: list[Step] = msgspec.field(default_factory=list)


class Project(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """Project metadata."""

    name: str
    key: str = ""
    description: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Plan(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """The whole Build Spec."""

    version: Annotated[int, msgspec.Meta(ge=1, description="Build Spec format version.")]
    project: Project
    milestones: list[Milestone] = msgspec.field(default_factory=list)


Item = Milestone | Step | Microstep
Kind = Literal["milestone", "step", "microstep"]
