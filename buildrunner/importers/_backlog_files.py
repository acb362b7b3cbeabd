"""Read Backlog.md files: YAML front matter plus ``## Section`` bodies, into plain records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import yaml

from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.importers._common import join_text, read_text, timestamp

_HEADING: Final = re.compile(r"^##\s+(.+?)\s*#*\s*$")
# Backlog.md fences its sections with markers such as <!-- AC:BEGIN -->; they are not content.
_MARKER: Final = re.compile(r"^\s*<!--.*-->\s*$")
# "- [ ] #1 text" (current), "- [x] text" (older files without numbers).
_CHECKBOX: Final = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(?:#\d+\s+)?(.*?)\s*$")
_KNOWN_SECTIONS: Final = {"description", "acceptance criteria", "definition of done", "implementation plan",
                          "implementation notes", "final summary"}
_DIRS: Final = ("tasks", "completed")  # drafts/ and archive/ are not part of the plan


@dataclass
class BacklogTask:
    """One task file, with its fields as Backlog.md wrote them (status and ids not yet mapped)."""

    id: str
    title: str
    file: str
    status: str = ""
    assignees: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    parent: str = ""
    priority: str = ""
    milestone: str = ""
    kind: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    description: str = ""
    criteria: list[tuple[str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def backlog_dir(path: Path) -> Path:
    """Return the ``backlog/`` directory at ``path`` or inside it (a project root).

    Raises:
        WorkspaceError: when ``path`` is missing, not a directory, or holds no Backlog.md tasks.
    """
    if not path.exists():
        raise WorkspaceError(f"{path} not found; give the backlog/ directory of a Backlog.md project")
    if not path.is_dir():
        raise WorkspaceError(f"{path} is not a directory; give the backlog/ directory of a Backlog.md project")
    for candidate in (path, path / "backlog", path / ".backlog"):
        if any((candidate / name).is_dir() for name in _DIRS):
            return candidate
    raise WorkspaceError(f"{path} is not a Backlog.md directory: it holds neither tasks/ nor backlog/tasks/")


def read_tasks(base: Path) -> list[BacklogTask]:
    """Parse every ``tasks/*.md`` and ``completed/*.md`` file under ``base``."""
    files = [file for name in _DIRS if (base / name).is_dir() for file in sorted((base / name).glob("*.md"))]
    return [parse_task(read_text(file, "Backlog.md task file"), str(file)) for file in files]


def read_milestones(base: Path) -> dict[str, tuple[str, str]]:
    """Map each milestone's id and title (lower case) to its ``(title, description)``."""
    folder = base / "milestones"
    found: dict[str, tuple[str, str]] = {}
    for file in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        meta, body = front_matter(read_text(file, "Backlog.md milestone file"), str(file))
        title = _scalar(meta, "title", str(file)) or _scalar(meta, "id", str(file))
        description = _sections(body)[0].get("description", "")
        for key in (_scalar(meta, "id", str(file)), title):
            if key:
                found.setdefault(key.lower(), (title, description))
    return found


def front_matter(text: str, file: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter (decoded) and its body.

    Raises:
        SpecError: naming the file and line when the front matter is missing or not valid YAML.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SpecError(f"{file}:1: no YAML front matter; a Backlog.md file starts with a '---' line")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise SpecError(f"{file}:1: the YAML front matter is never closed; add a '---' line after it")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 2}" if mark is not None else file  # +2: 0-based, after the '---' line
        raise SpecError(f"{where}: invalid YAML front matter: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{file}: invalid YAML front matter: {exc}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SpecError(f"{file}:2: the front matter must be a mapping of fields (id, title, status...)")
    return meta, "\n".join(lines[end + 1:])


def parse_task(text: str, file: str) -> BacklogTask:
    """Parse one task file.

    Raises:
        SpecError: naming the file when the front matter is invalid or lacks an id or title.
    """
    meta, body = front_matter(text, file)
    task_id, title = _scalar(meta, "id", file), _scalar(meta, "title", file)
    if not task_id or not title:
        missing = "id" if not task_id else "title"
        raise SpecError(f"{file}: the front matter has no {missing}; add `{missing}: ...`")
    sections, extra = _sections(body)
    return BacklogTask(
        id=task_id, title=title, file=file, status=_scalar(meta, "status", file),
        assignees=[a.lstrip("@") for a in _strings(meta, "assignee", file)],
        labels=_strings(meta, "labels", file), dependencies=_strings(meta, "dependencies", file),
        parent=_scalar(meta, "parent_task_id", file) or _scalar(meta, "parent", file),
        priority=_scalar(meta, "priority", file), milestone=_scalar(meta, "milestone", file),
        kind=_scalar(meta, "type", file),
        created=timestamp(meta.get("created_date")),
        updated=timestamp(meta.get("updated_date")),
        description=_description(sections, extra),
        criteria=[*_checkboxes(sections.get("acceptance criteria", "")),
                  *((f"Definition of done: {text}", met)
                    for text, met in _checkboxes(sections.get("definition of done", "")))],
        notes=[note for note in (sections.get("implementation notes", ""),
                                 join_text("Final summary:", sections.get("final summary", ""))
                                 if sections.get("final summary") else "") if note],
    )


def _sections(body: str) -> tuple[dict[str, str], str]:
    """Split a body by ``## Heading``.

    Returns:
        The texts by lower-case heading (``""`` for text before the first), markers removed; and the
        sections this importer has no field for, joined with their headings.
    """
    found: dict[str, list[str]] = {"": []}
    headings: dict[str, str] = {}
    current = ""
    for line in body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(1).strip().lower()
            headings.setdefault(current, heading.group(1).strip())
            found.setdefault(current, [])
        elif not _MARKER.match(line):
            found[current].append(line)
    texts = {key: "\n".join(lines).strip() for key, lines in found.items()}
    # Kept in the description rather than lost: References, Notes, whatever a team adds.
    extra = "\n\n".join(f"## {headings[key]}\n\n{text}" for key, text in texts.items()
                         if key and key not in _KNOWN_SECTIONS and text)
    return texts, extra


def _description(sections: dict[str, str], extra: str) -> str:
    plan = sections.get("implementation plan", "")
    return join_text(
        sections.get("description") or sections.get("", ""),
        f"Implementation plan:\n\n{plan}" if plan else "",
        extra,
    )


def _checkboxes(text: str) -> list[tuple[str, bool]]:
    matches = (_CHECKBOX.match(line) for line in text.splitlines())
    return [(m.group(2), m.group(1) != " ") for m in matches if m and m.group(2)]


def _scalar(meta: dict[str, Any], key: str, file: str) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        kind = "list" if isinstance(value, list) else "mapping"
        raise SpecError(f"{file}: {key} must be a single value, got a {kind}")
    return str(value).strip()


def _strings(meta: dict[str, Any], key: str, file: str) -> list[str]:
    """A list field; Backlog.md also accepts a single value or a comma-separated string."""
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or any(isinstance(item, dict | list) for item in value):
        raise SpecError(f"{file}: {key} must be a list of values")
    return [str(item).strip() for item in value if item is not None and str(item).strip()]
