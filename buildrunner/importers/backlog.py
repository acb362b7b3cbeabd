"""Import a Backlog.md project (``backlog/tasks`` and ``backlog/completed``) as Build Spec milestones.

Mapping (ids are deterministic, so importing the same backlog twice is detected as a collision):

* one milestone per ``milestone`` value, id ``backlog-<slug>`` and the title of the matching
  ``backlog/milestones/*.md`` file (or the value itself); tasks without one go to milestone ``backlog``,
  titled "Backlog";
* a top-level task with subtasks -> step ``<task id>-step``, whose microsteps are the subtasks
  (nested ones too, children before parents) and, last, the task itself, which waits for its subtasks;
  the task's dependencies are also the step's, and its milestone is its subtasks' milestone;
* every other top-level task -> a microstep of the milestone's step ``<milestone id>-tasks`` ("Tasks");
* microsteps keep the Backlog.md id (``task-12``, ``task-12.1``); dependencies keep their targets
  (matched case-insensitively); ones on tasks that are not imported (drafts, archive, typos), on oneself
  or on one's own parent are dropped with a warning;
* status: To Do -> todo, In Progress -> in_progress, Done -> done (blocked, review as is); anything
  else -> todo + tag ``status:<original>``. Done work with unchecked criteria becomes ``review``
  (with a warning): a done microstep with unmet criteria fails lint;
* Acceptance Criteria (and Definition of Done) checkboxes -> criteria ``ac-1``, ``ac-2``...;
  Implementation Plan -> appended to the description; Implementation Notes and Final Summary -> notes;
  first assignee -> owner (others -> tags ``assignee:<name>``); labels -> tags; priority ->
  ``priority:<p>``; type -> ``type:<t>``; created_date/updated_date -> timestamps (taken as UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Final

from buildrunner.errors import SpecError
from buildrunner.importers._backlog_files import BacklogTask, backlog_dir, read_milestones, read_tasks
from buildrunner.importers._common import ImportResult, check_importable, criteria, slug, to_nodes, unique, utc_now
from buildrunner.spec.model import Microstep, Milestone, Note, Status, Step

__all__ = ["BacklogTask", "convert_backlog", "load_backlog"]

_STATUS: Final[dict[str, Status]] = {
    "to do": "todo", "todo": "todo", "in progress": "in_progress", "done": "done", "blocked": "blocked",
    "review": "review", "in review": "review",
}


def load_backlog(path: Path, now: datetime | None = None) -> ImportResult:
    """Read a Backlog.md ``backlog/`` directory (or the project root holding it) and convert it.

    Raises:
        WorkspaceError: when the directory is missing or is not a Backlog.md directory.
        SpecError: when a file has invalid front matter (naming the file and line) or the tasks contradict.
    """
    base = backlog_dir(path)
    return convert_backlog(read_tasks(base), now=now or utc_now(), milestones=read_milestones(base),
                           source=str(base))


def convert_backlog(
    tasks: list[BacklogTask], *, now: datetime, milestones: dict[str, tuple[str, str]] | None = None,
    source: str = "backlog",
) -> ImportResult:
    """Convert parsed task files into milestone nodes (see the module docstring).

    Args:
        tasks: the parsed task files.
        now: the timestamp for tasks whose files carry no dates.
        milestones: milestone id or title (lower case) -> ``(title, description)``.
        source: how to name the input in messages.

    Raises:
        SpecError: when there are no tasks, two files share an id, or the dependencies form a cycle.
    """
    if not tasks:
        raise SpecError(f"{source} holds no task files in tasks/ or completed/; nothing to import")
    builder = _Builder(sorted(tasks, key=lambda t: _natural(t.id)), now, milestones or {})
    nodes = to_nodes(builder.milestones())
    check_importable(nodes, source)
    return ImportResult(nodes, builder.warnings)


def _natural(task_id: str) -> list[tuple[int, int | str]]:
    """Sort key that puts task-2 before task-10 and task-3.2 before task-3.10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", task_id.lower())]


class _Builder:
    """Holds the id index and parent links that the mapping resolves through."""

    def __init__(self, tasks: list[BacklogTask], now: datetime, milestones: dict[str, tuple[str, str]]) -> None:
        self.tasks, self.now, self.milestone_info = tasks, now, milestones
        self.warnings: list[str] = []
        self.by_key: dict[str, BacklogTask] = {}
        for task in tasks:
            other = self.by_key.setdefault(task.id.lower(), task)
            if other is not task:
                raise SpecError(f"{task.file} and {other.file} both have the id {task.id}; give one a new id")
        self.parent = self._parents()
        self._resolved: dict[str, list[str]] = {}  # each task's dependencies resolve (and warn) once
        self.children: dict[str, list[str]] = {}
        for task in tasks:
            if task.id in self.parent:
                self.children.setdefault(self.parent[task.id], []).append(task.id)

    def _parents(self) -> dict[str, str]:
        parent: dict[str, str] = {}
        for task in self.tasks:
            found = self.by_key.get(task.parent.lower()) if task.parent else None
            if task.parent and (found is None or found is task):
                self.warnings.append(f"{task.file}: parent {task.parent} is not among the imported tasks; "
                                     f"{task.id} is imported as a top-level task")
            elif found is not None:
                parent[task.id] = found.id
        for task in self.tasks:  # a parent loop would leave no top-level task to hold it: cut it
            seen, current = {task.id}, task.id
            while current in parent:
                if parent[current] in seen:
                    self.warnings.append(f"{task.id}: its parent links form a loop; {current} is imported "
                                         "as a top-level task")
                    del parent[current]
                    break
                current = parent[current]
                seen.add(current)
        return parent

    def _ancestors(self, task_id: str) -> list[str]:
        found = []
        while task_id in self.parent:
            task_id = self.parent[task_id]
            found.append(task_id)
        return found

    def milestones(self) -> Iterator[Milestone]:
        """Group the top-level tasks by milestone, in the order each milestone first appears."""
        groups: dict[str, list[BacklogTask]] = {}
        for task in self.tasks:
            if task.id not in self.parent:
                groups.setdefault(task.milestone.lower(), []).append(task)
        taken: set[str] = set()
        for key, roots in groups.items():
            info = self.milestone_info.get(key)
            title = info[0] if info else (roots[0].milestone or "Backlog")
            milestone_id = unique(f"backlog-{slug(key)}" if key else "backlog", taken)
            yield Milestone(id=milestone_id, title=title, description=info[1] if info else "",
                            steps=list(self._steps(milestone_id, roots)))

    def _steps(self, milestone_id: str, roots: list[BacklogTask]) -> Iterator[Step]:
        loose = [task for task in roots if task.id not in self.children]
        tasks_step_at = roots.index(loose[0]) if loose else -1
        for position, task in enumerate(roots):
            if position == tasks_step_at:
                yield Step(id=f"{milestone_id}-tasks", title="Tasks", microsteps=[self._micro(t) for t in loose])
            if task.id in self.children:
                yield Step(id=f"{task.id}-step", title=task.title, description=task.description,
                           depends_on=self._deps(task), microsteps=list(self._subtree(task.id)))

    def _subtree(self, task_id: str) -> Iterator[Microstep]:
        """Children before their parent: a parent waits for its subtasks."""
        for child in self.children.get(task_id, []):
            yield from self._subtree(child)
        yield self._micro(self.by_key[task_id.lower()])

    def _micro(self, task: BacklogTask) -> Microstep:
        status, tags = self._status(task)
        met_all = all(met for _, met in task.criteria)
        if status == "done" and not met_all:
            status = "review"
            self.warnings.append(f"{task.file}: {task.id} is Done but has unchecked acceptance criteria; "
                                 "imported as review (check them with `br check`, then set it done)")
        created = task.created or task.updated or self.now
        owner, *others = task.assignees or [""]
        return Microstep(
            id=task.id, title=task.title, status=status, description=task.description, owner=owner,
            tags=[*tags, *(f"assignee:{name}" for name in others), *task.labels,
                  *([f"priority:{task.priority}"] if task.priority else []),
                  *([f"type:{task.kind}"] if task.kind else [])],
            depends_on=[*self._deps(task), *self.children.get(task.id, [])],
            notes=[Note(id=f"note-{n}", text=text, created_at=task.updated or created)
                   for n, text in enumerate(task.notes, start=1)],
            acceptance_criteria=criteria(task.criteria),
            created_at=created, updated_at=task.updated or created,
        )

    def _status(self, task: BacklogTask) -> tuple[Status, list[str]]:
        if not task.status:
            return "todo", []
        status = _STATUS.get(re.sub(r"[\s_-]+", " ", task.status.lower()).strip())
        return (status, []) if status else ("todo", [f"status:{task.status}"])

    def _deps(self, task: BacklogTask) -> list[str]:
        if task.id in self._resolved:
            return self._resolved[task.id]
        ancestors = self._ancestors(task.id)
        resolved = self._resolved[task.id] = []
        for dep in task.dependencies:
            target = self.by_key.get(dep.lower())
            problem = ("it is not among the imported tasks" if target is None
                       else "a task cannot wait for itself" if target is task
                       else "a subtask cannot wait for its own parent" if target.id in ancestors else "")
            if problem:
                self.warnings.append(f"{task.file}: dropped the dependency {task.id} -> {dep}: {problem}")
            elif target is not None and target.id not in resolved:
                resolved.append(target.id)
        return resolved
