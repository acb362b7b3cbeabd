"""Render a typed plan as Markdown or CSV for people, reports and spreadsheets.

The JSON export is the stored ``plan.json`` itself (so unknown fields survive); only the formats that
are *derived* from the plan live here. Every function is pure: a :class:`Plan` in, text out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Final

from buildrunner.spec.model import STATUSES, Criterion, Link, Microstep, Milestone, Plan, Step
from buildrunner.spec.tree import Counts, done_ids, progress

CSV_FIELDS: Final = (
    "milestone_id", "milestone", "step_id", "step", "id", "title", "status", "owner", "estimate", "tags",
    "depends_on", "criteria_met", "criteria_total", "created_at", "updated_at",
)

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"); tab and CR too,
# because some spreadsheets strip them and then see the formula behind them.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

# Inline Markdown that user text could accidentally trigger: emphasis, code, links, HTML, tables,
# strikethrough, headings (a trailing ` #` closes an ATX heading), entities.
_INLINE_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|~#&])")
# Block markers that only matter at the start of a line: list items, setext underlines, ordered lists.
_LINE_START_SPECIAL: Final = re.compile(r"^([-+=])|^(\d+)([.)])")
_WHITESPACE: Final = re.compile(r"\s+")
_SAFE_URL: Final = re.compile(r"^https?://[^\s<>]+$")


# -- Markdown ---------------------------------------------------------------------------------------


def md_inline(text: str) -> str:
    """Escape user text for use inside one Markdown line (a heading or a list item).

    Newlines and runs of whitespace collapse to one space, so a title can never start a new block;
    characters with inline meaning are backslash-escaped, so the text renders exactly as written.
    """
    flat = _WHITESPACE.sub(" ", text).strip()
    return _INLINE_SPECIAL.sub(r"\\\1", flat)


def md_block(text: str, indent: str = "") -> list[str]:
    """Escape multi-line user text (a description) into Markdown lines, keeping its paragraphs.

    Each line is escaped like :func:`md_inline`; blank lines between paragraphs are kept, and ``indent``
    is prefixed so the text can sit inside a list item.
    """
    lines: list[str] = []
    for raw in text.strip().splitlines():
        # Inside a heading or list item user text never starts a line; here it does, so block markers count.
        line = _LINE_START_SPECIAL.sub(_escape_line_start, md_inline(raw))
        if line or (lines and lines[-1]):
            lines.append(f"{indent}{line}" if line else "")
    return lines


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def md_code(text: str) -> str:
    """Wrap an id in a code span that holds any characters, backticks included."""
    flat = _WHITESPACE.sub(" ", text).strip()
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _progress_line(counts: Counts) -> str:
    if not counts.total:
        return "no microsteps yet"
    line = f"{counts.done}/{counts.total} microsteps done ({counts.percent}%)"
    others = [f"{getattr(counts, s)} {s.replace('_', ' ')}" for s in STATUSES if s != "done" and getattr(counts, s)]
    return f"{line}: {', '.join(others)}" if others else line


def _dependencies(depends_on: list[str], done: set[str]) -> str:
    shown = [f"{md_code(dep)}{' (done)' if dep in done else ''}" for dep in depends_on]
    return f"depends on {', '.join(shown)}"


def _estimate(hours: float | None) -> str:
    if hours is None:
        return ""
    return str(int(hours)) if hours.is_integer() else repr(hours)


def _microstep_facts(micro: Microstep, done: set[str]) -> list[str]:
    facts = [md_code(micro.id), micro.status.replace("_", " ")]
    if micro.owner:
        facts.append(f"owner {md_inline(micro.owner)}")
    if micro.estimate is not None:
        facts.append(f"estimate {_estimate(micro.estimate)} h")
    if micro.tags:
        facts.append("tags " + ", ".join(md_inline(tag) for tag in micro.tags))
    if micro.depends_on:
        facts.append(_dependencies(micro.depends_on, done))
    return facts


def _criterion_item(criterion: Criterion) -> str:
    return f"  - [{'x' if criterion.met else ' '}] {md_inline(criterion.text)} ({md_code(criterion.id)})"


def _link_item(link: Link) -> str:
    # Only plain web URLs become autolinks: anything else (javascript:, spaces, angle brackets) stays inert code.
    target = f"<{link.url}>" if _SAFE_URL.match(link.url) else md_code(link.url)
    label = f"{md_inline(link.title)}: " if link.title.strip() else ""
    return f"  - link: {label}{target}"


def _microstep_lines(micro: Microstep, done: set[str]) -> list[str]:
    box = "x" if micro.status == "done" else " "
    lines = [f"- [{box}] **{md_inline(micro.title)}** · {' · '.join(_microstep_facts(micro, done))}"]
    if micro.description.strip():
        lines.extend(["", *md_block(micro.description, indent="  "), ""])
    lines.extend(_criterion_item(criterion) for criterion in micro.acceptance_criteria)
    lines.extend(_link_item(link) for link in micro.links)
    return lines


def _step_lines(step: Step, counts: Counts, done: set[str]) -> list[str]:
    lines = [f"### {md_inline(step.title)}", "", f"{md_code(step.id)} · {_progress_line(counts)}"]
    if step.depends_on:
        lines[-1] += f" · {_dependencies(step.depends_on, done)}"
    if step.description.strip():
        lines.extend(["", *md_block(step.description)])
    lines.append("")
    for micro in step.microsteps:
        lines.extend(_microstep_lines(micro, done))
    return [*lines, ""] if step.microsteps else lines


def _milestone_lines(milestone: Milestone, counts: Counts, step_counts: list[Counts], done: set[str]) -> list[str]:
    lines = [f"## {md_inline(milestone.title)}", "", f"{md_code(milestone.id)} · {_progress_line(counts)}", ""]
    if milestone.description.strip():
        lines.extend([*md_block(milestone.description), ""])
    if not milestone.steps:
        return [*lines, "_No steps yet._", ""]
    for step, counts_of_step in zip(milestone.steps, step_counts, strict=True):
        lines.extend(_step_lines(step, counts_of_step, done))
    return lines


def to_markdown(plan: Plan) -> str:
    """Render the plan as a Markdown document: milestones, steps, and microsteps as GitHub task lists.

    Args:
        plan: the typed plan.

    Returns:
        The document, ending with a single newline.
    """
    report = progress(plan)
    done = done_ids(plan)
    title = md_inline(plan.project.name) or "Build Spec"
    lines = [f"# {title}", ""]
    if plan.project.key:
        lines.extend([f"Key: {md_code(plan.project.key)}", ""])
    if plan.project.description.strip():
        lines.extend([*md_block(plan.project.description), ""])
    lines.extend([f"**Progress:** {_progress_line(report.counts)}", ""])
    if not plan.milestones:
        lines.extend(["_No milestones yet: add one with `br add milestone TITLE`._", ""])
    for milestone, m_report in zip(plan.milestones, report.milestones, strict=True):
        lines.extend(_milestone_lines(milestone, m_report.counts, [s.counts for s in m_report.steps], done))
    return "\n".join(lines).rstrip("\n") + "\n"


# -- CSV --------------------------------------------------------------------------------------------


def csv_cell(value: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula by prefixing an apostrophe."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _timestamp(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else ""


def csv_rows(plan: Plan) -> Iterable[dict[str, str]]:
    """Yield one row per microstep, keyed by :data:`CSV_FIELDS`, with raw (unguarded) values."""
    for milestone, step, micro in _walk(plan):
        yield {
            "milestone_id": milestone.id,
            "milestone": milestone.title,
            "step_id": step.id,
            "step": step.title,
            "id": micro.id,
            "title": micro.title,
            "status": micro.status,
            "owner": micro.owner,
            "estimate": _estimate(micro.estimate),
            "tags": ";".join(micro.tags),
            "depends_on": ";".join(micro.depends_on),
            "criteria_met": str(sum(c.met for c in micro.acceptance_criteria)),
            "criteria_total": str(len(micro.acceptance_criteria)),
            "created_at": _timestamp(micro.created_at),
            "updated_at": _timestamp(micro.updated_at),
        }


def to_csv(plan: Plan) -> str:
    """Render one CSV row per microstep (RFC 4180: CRLF line ends, quoted where needed).

    Cells that a spreadsheet would evaluate as a formula are prefixed with an apostrophe.

    Args:
        plan: the typed plan.

    Returns:
        The CSV text, header first.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in csv_rows(plan):
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _walk(plan: Plan) -> Iterator[tuple[Milestone, Step, Microstep]]:
    # The full model (not the light views that tree.walk also accepts): rows show every field.
    for milestone in plan.milestones:
        for step in milestone.steps:
            for micro in step.microsteps:
                yield milestone, step, micro
