"""Import Task Master's ``tasks.json`` (plain or tagged format) as Build Spec milestones.

Mapping (ids are deterministic, so importing the same file twice is detected as a collision):

* one milestone per tag, id ``tm-<tag>``; the plain format is Task Master's implicit ``master`` tag,
  titled with ``meta(data).projectName`` or "Task Master import";
* task -> step ``tm-<tag>-<task>`` (description + details), ``dependencies`` -> step ``depends_on``;
* subtask -> microstep ``tm-<tag>-<task>.<subtask>``; a task without subtasks gets one microstep
  ``tm-<tag>-<task>.task`` carrying its own status and criteria, so that it is actionable;
* ``testStrategy`` (and a subtask's ``acceptanceCriteria``) -> one criterion per line; a task with
  subtasks puts its own ``testStrategy`` on a final microstep ``tm-<tag>-<task>.verify`` that waits
  for every subtask;
* status: pending -> todo, in-progress -> in_progress, review, done, blocked as is, deferred -> todo
  + tag ``deferred``, cancelled -> done + tag ``cancelled``; anything else -> todo + tag
  ``status:<original>``. Criteria of done work are marked met (a done microstep with unmet
  criteria fails lint). ``priority`` -> tag ``priority:<p>``.

Dependencies on ids missing from the file, on oneself or on one's own task are dropped with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.importers._common import (
    ImportResult,
    check_importable,
    criteria,
    criteria_lines,
    join_text,
    read_text,
    slug,
    to_nodes,
    unique,
    utc_now,
)
from buildrunner.spec.model import Microstep, Milestone, Status, Step

__all__ = ["convert_taskmaster", "find_tasks_file", "load_taskmaster"]

_STATUS: Final[dict[str, tuple[Status, tuple[str, ...]]]] = {
    "pending": ("todo", ()), "todo": ("todo", ()), "in-progress": ("in_progress", ()), "review": ("review", ()),
    "done": ("done", ()), "blocked": ("blocked", ()), "deferred": ("todo", ("deferred",)),
    "cancelled": ("done", ("cancelled",)), "canceled": ("done", ("cancelled",)),
}
_CANDIDATES: Final = (Path(".taskmaster/tasks/tasks.json"), Path("tasks/tasks.json"), Path("tasks.json"))


def find_tasks_file(path: Path) -> Path:
    """Return ``path`` if it is a file, else the ``tasks.json`` Task Master keeps under that directory.

    Raises:
        WorkspaceError: when ``path`` does not exist or the directory holds no tasks.json.
    """
    if not path.is_dir():
        return path
    for candidate in _CANDIDATES:
        if (path / candidate).is_file():
            return path / candidate
    looked = ", ".join(str(c) for c in _CANDIDATES)
    raise WorkspaceError(f"{path} holds no Task Master tasks.json (looked for {looked}); give the file's path")


def load_taskmaster(path: Path, now: datetime | None = None) -> ImportResult:
    """Read a Task Master ``tasks.json`` (or the project holding it) and convert it.

    Raises:
        WorkspaceError: when the file cannot be found or read.
        SpecError: when it is not JSON (with line:column) or not shaped like Task Master output.
    """
    file = find_tasks_file(path)
    text = read_text(file, "Task Master tasks.json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{file}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}; fix the syntax there") from None
    except RecursionError:
        raise SpecError(f"{file}: invalid JSON: nested too deeply") from None
    return convert_taskmaster(data, now=now or utc_now(), source=str(file))


def convert_taskmaster(data: Any, *, now: datetime, source: str = "tasks.json") -> ImportResult:
    """Convert decoded ``tasks.json`` content into milestone nodes (see the module docstring).

    Args:
        data: the decoded JSON.
        now: the time stamped on every imported microstep (Task Master keeps no per-task times).
        source: how to name the input in messages.

    Raises:
        SpecError: when the content is not shaped like Task Master output, or its dependencies form a cycle.
    """
    warnings: list[str] = []
    taken: set[str] = set()
    milestones = []
    for tag, body, title in _tags(data, source, warnings):
        converter = _Tag(f"tm-{unique(slug(tag), taken)}", tag, source, now, warnings)
        milestones.append(converter.milestone(body, title))
    if not any(m.steps for m in milestones):
        raise SpecError(f"{source} holds no tasks; nothing to import")
    nodes = to_nodes(m for m in milestones if m.steps)
    check_importable(nodes, source)
    return ImportResult(nodes, warnings)


def _tags(data: Any, source: str, warnings: list[str]) -> list[tuple[str, dict[str, Any], str]]:
    """Return ``(tag, body, milestone title)`` for each tag; the plain format is the ``master`` tag."""
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        meta = data.get("metadata") or data.get("meta") or {}
        name = meta.get("projectName") if isinstance(meta, dict) else None
        return [("master", data, name if isinstance(name, str) and name.strip() else "Task Master import")]
    if not isinstance(data, dict):
        raise SpecError(f'{source}: expected a JSON object such as {{"tasks": [...]}} '
                        'or {"master": {"tasks": [...]}}')
    tags = []
    for tag, body in data.items():
        if isinstance(body, dict) and "tasks" in body:
            tags.append((tag, body, f"Task Master: {tag}"))
        else:
            warnings.append(f"{source}: skipped the top-level key {tag!r}: it is not a tag holding tasks")
    if not tags:
        raise SpecError(f'{source}: found no "tasks" list, neither at the top level nor under a tag such as "master"')
    return tags


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SpecError(f"{where}: {key} must be a string, got {type(value).__name__}")
    return value.strip()


def _key(value: Any) -> str | None:
    """Task Master ids are ints or strings; compare them as text. Booleans are not ids."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        return None
    return str(value).strip()


class _Tag:
    """Converts the tasks of one tag; holds the id maps that dependencies resolve through."""

    def __init__(self, prefix: str, tag: str, source: str, now: datetime, warnings: list[str]) -> None:
        self.prefix, self.tag, self.source, self.now, self.warnings = prefix, tag, source, now, warnings
        self.steps: dict[str, str] = {}
        self.micros: dict[tuple[str, str], str] = {}

    def milestone(self, body: dict[str, Any], title: str) -> Milestone:
        tasks = body.get("tasks")
        where = f"{self.source}: tag {self.tag!r}"
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise SpecError(f"{where}: tasks must be a list of task objects")
        keyed = [(self._index(task, f"{where}, tasks[{i}]"), task) for i, task in enumerate(tasks)]
        meta = body.get("metadata")
        description = meta.get("description", "") if isinstance(meta, dict) else ""
        return Milestone(
            id=self.prefix, title=title, description=description if isinstance(description, str) else "",
            steps=[self._step(key, task, f"{where}, task {key}") for key, task in keyed],
        )

    def _index(self, task: dict[str, Any], where: str) -> str:
        """Register a task's and its subtasks' ids before any dependency is resolved."""
        key = _key(task.get("id"))
        if key is None:
            raise SpecError(f"{where}: id must be a number or a string")
        if key in self.steps:
            raise SpecError(f"{where}: two tasks have the id {key}; give one a new id")
        self.steps[key] = f"{self.prefix}-{key}"
        subtasks = task.get("subtasks") or []
        if not isinstance(subtasks, list) or not all(isinstance(s, dict) for s in subtasks):
            raise SpecError(f"{where}: subtasks must be a list of subtask objects")
        for i, sub in enumerate(subtasks):
            sub_key = _key(sub.get("id"))
            if sub_key is None or (key, sub_key) in self.micros:
                raise SpecError(f"{where}, subtasks[{i}]: id must be a number or string unique in the task")
            self.micros[key, sub_key] = f"{self.prefix}-{key}.{sub_key}"
        return key

    def _step(self, key: str, task: dict[str, Any], where: str) -> Step:
        step_id = self.steps[key]
        title = _text(task, "title", where)
        if not title:
            raise SpecError(f"{where}: title is missing or empty; give the task a title")
        description = join_text(_text(task, "description", where), _text(task, "details", where))
        depends_on = self._deps(task.get("dependencies"), where, partial(self._task_dep, key=key))
        subtasks: list[dict[str, Any]] = task.get("subtasks") or []
        if not subtasks:
            micro = self._micro(f"{step_id}.task", task, task, where, [])
            return Step(id=step_id, title=title, description=_text(task, "description", where),
                        depends_on=depends_on, microsteps=[micro])
        micros = []
        for sub in subtasks:
            sub_key = str(_key(sub["id"]))
            sub_where = f"{where}, subtask {sub_key}"
            resolve = partial(self._sub_dep, key=key, sub_key=sub_key)
            deps = self._deps(sub.get("dependencies"), sub_where, resolve)
            micros.append(self._micro(self.micros[key, sub_key], sub, task, sub_where, deps))
        verify = self._verify(step_id, task, title, [m.id for m in micros], where)
        return Step(id=step_id, title=title, description=description, depends_on=depends_on,
                    microsteps=[*micros, *verify])

    def _micro(
        self, micro_id: str, item: dict[str, Any], task: dict[str, Any], where: str, deps: list[str],
    ) -> Microstep:
        title = _text(item, "title", where)
        if not title:
            raise SpecError(f"{where}: title is missing or empty; give it a title")
        status, tags = self._status(item.get("status"), where)
        lines = [*criteria_lines(_text(item, "testStrategy", where)),
                 *criteria_lines(_text(item, "acceptanceCriteria", where))]
        return Microstep(
            id=micro_id, title=title, status=status,
            description=join_text(_text(item, "description", where), _text(item, "details", where)),
            tags=[*tags, *_priority(item, task)], depends_on=deps,
            acceptance_criteria=criteria((line, status == "done") for line in lines),
            created_at=self.now, updated_at=self.now,
        )

    def _verify(self, step_id: str, task: dict[str, Any], title: str, after: list[str], where: str) -> list[Microstep]:
        lines = criteria_lines(_text(task, "testStrategy", where))
        if not lines:
            return []
        status, tags = self._status(task.get("status"), where)
        # The task being worked on means its subtasks are; checking the strategy has not started yet.
        status = "todo" if status == "in_progress" else status
        return [Microstep(
            id=f"{step_id}.verify", title=f"Verify: {title}", status=status, tags=[*tags, *_priority(task, task)],
            depends_on=after, acceptance_criteria=criteria((line, status == "done") for line in lines),
            created_at=self.now, updated_at=self.now,
        )]

    def _status(self, raw: Any, where: str) -> tuple[Status, list[str]]:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return "todo", []
        text = str(raw).strip()
        known = _STATUS.get(text.lower().replace("_", "-").replace(" ", "-"))
        if known is None:
            self.warnings.append(f"{where}: unknown status {text!r} imported as todo with tag status:{text}")
            return "todo", [f"status:{text}"]
        return known[0], list(known[1])

    def _deps(self, raw: Any, where: str, resolve: Callable[[Any], tuple[str | None, str]]) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise SpecError(f"{where}: dependencies must be a list of task ids")
        resolved: list[str] = []
        for dep in raw:
            target, problem = resolve(dep)
            if target is None:
                self.warnings.append(f"{where}: dropped the dependency {dep!r}: {problem}")
            elif target not in resolved:
                resolved.append(target)
        return resolved

    def _task_dep(self, dep: Any, key: str) -> tuple[str | None, str]:
        text = _key(dep)
        if text is None:
            return None, "not a task id"
        task_key, _, sub_key = text.partition(".")
        target = self.micros.get((task_key, sub_key)) if sub_key else self.steps.get(text)
        if target is None:
            return None, f"no task {text} in tag {self.tag!r}"
        if task_key == key:
            return None, "a task cannot wait for itself or its own subtasks"
        return target, ""

    def _sub_dep(self, dep: Any, key: str, sub_key: str) -> tuple[str | None, str]:
        text = _key(dep)
        if text is None:
            return None, "not a subtask or task id"
        # Task Master writes siblings as bare numbers and other tasks' subtasks as "task.subtask";
        # a bare string may also name a whole task. Try the reading the writer most likely meant first.
        if "." in text:
            task_key, _, other = text.partition(".")
            candidates: Iterable[str | None] = [self.micros.get((task_key, other))]
        elif isinstance(dep, int):
            candidates = [self.micros.get((key, text)), self.steps.get(text)]
        else:
            candidates = [self.steps.get(text), self.micros.get((key, text))]
        target = next((c for c in candidates if c), None)
        if target is None:
            return None, f"no such subtask or task in tag {self.tag!r}"
        if target in (self.steps[key], self.micros[key, sub_key]):
            return None, "a subtask cannot wait for itself or for its own task"
        return target, ""


def _priority(item: dict[str, Any], task: dict[str, Any]) -> list[str]:
    priority = item.get("priority") or task.get("priority")
    return [f"priority:{str(priority).strip()}"] if priority else []
