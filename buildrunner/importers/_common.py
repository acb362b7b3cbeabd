"""What every importer shares: the result type, criteria and id helpers, and the final lint gate."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import msgspec

from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.spec.lint import check_semantics
from buildrunner.spec.model import Criterion, Milestone

Node = dict[str, Any]

# "- item", "* item", "+ item", "• item", "1. item", "2) item": the bullets people and LLMs write.
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ImportResult:
    """Milestones ready to append to a plan, plus what the importer had to drop or change."""

    milestones: list[Node]
    warnings: list[str] = field(default_factory=list)

    def item_ids(self) -> Iterator[str]:
        """Yield the id of every imported milestone, step and microstep."""
        for milestone in self.milestones:
            yield milestone["id"]
            for step in milestone.get("steps", []):
                yield step["id"]
                for micro in step.get("microsteps", []):
                    yield micro["id"]

    def counts(self) -> dict[str, int]:
        """Count the imported milestones, steps and microsteps."""
        steps = [step for milestone in self.milestones for step in milestone.get("steps", [])]
        return {
            "milestones": len(self.milestones),
            "steps": len(steps),
            "microsteps": sum(len(step.get("microsteps", [])) for step in steps),
        }


def to_nodes(milestones: Iterable[Milestone]) -> list[Node]:
    """Turn milestone Structs into the raw JSON nodes a plan stores."""
    return [msgspec.to_builtins(milestone) for milestone in milestones]


def criteria(items: Iterable[tuple[str, bool]]) -> list[Criterion]:
    """Number acceptance criteria ``ac-1``, ``ac-2``... in order, keeping each one's met flag."""
    return [Criterion(id=f"ac-{n}", text=text, met=met) for n, (text, met) in enumerate(items, start=1)]


def criteria_lines(text: str) -> list[str]:
    """Split free text into one criterion per non-empty line, with list bullets stripped."""
    lines = (_BULLET.sub("", line, count=1).strip() for line in text.splitlines())
    return [line for line in lines if line]


def slug(text: str) -> str:
    """Lower-case ``text`` to letters, digits and single dashes (``"Feature X!"`` -> ``"feature-x"``)."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "x"


def unique(wanted: str, taken: set[str]) -> str:
    """Return ``wanted``, or ``wanted-2``, ``wanted-3``... if taken; remember the result as taken."""
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    taken.add(candidate)
    return candidate


def join_text(*parts: str) -> str:
    """Join the non-empty parts with a blank line between them."""
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def timestamp(value: Any) -> datetime | None:
    """Read a date or date-time (ISO text, or what YAML decoded) as UTC with second precision.

    Sources such as Backlog.md write local times without a zone; they are taken as UTC because the
    file does not say which zone was meant. Returns ``None`` when ``value`` is empty or not a date.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0)


def utc_now() -> datetime:
    """The current time in UTC with second precision (what plan.json timestamps carry)."""
    return datetime.now(UTC).replace(microsecond=0)


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 source file.

    Raises:
        WorkspaceError: when the file is missing or unreadable.
        SpecError: when it is not UTF-8.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WorkspaceError(f"{path} not found; give the path of the {what}") from None
    except IsADirectoryError:
        raise WorkspaceError(f"{path} is a directory, expected the {what}") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")  # editors on Windows like to add a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(f"{path}:{line}: the file is not UTF-8 (byte {exc.start}); save it as UTF-8") from None


def check_importable(milestones: list[Node], source: str) -> None:
    """Refuse an import that would not lint on its own (duplicate ids, dependency cycles...).

    The importers drop what they can repair (dangling dependencies, unmet criteria on done work);
    what is left here is a contradiction in the source itself, so the user fixes it there.

    Raises:
        SpecError: naming the first problem and the source.
    """
    plan = {"version": 1, "project": {"name": "import"}, "milestones": milestones}
    for finding in check_semantics(plan):
        raise SpecError(f"{source} cannot be imported: {finding.message.split('; ')[0]}; fix it in the source")
