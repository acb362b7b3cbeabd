"""Deterministic generator of realistic Build Specs for the benchmarks.

The same ``(microsteps, seed)`` always gives the same plan, byte for byte, so figures from two runs or
two machines are measured on the same input. The shape follows a real project part-way through:

* ~10 milestones of ~20 steps each; microsteps are spread unevenly over the steps;
* microsteps with ids in the form ``br`` generates (``ms-`` + 12 Crockford base32 characters), titles,
  descriptions, owners, tags, estimates, 0-3 acceptance criteria, links, notes and timestamps;
* statuses follow progress through the plan: mostly ``done`` early on, a mix around the "frontier",
  mostly ``todo`` afterwards; a ``done`` microstep has every criterion met;
* ``depends_on`` on about a quarter of the microsteps and a third of the steps, always pointing backwards
  in plan order (microstep to microstep, step to step), so the dependency graph is acyclic.

:func:`generate_plan` gives a plan that ``br lint`` accepts; :func:`with_findings` copies it and plants a few
well-known findings (one of each of :data:`PLANTED_CODES`) for the lint-with-findings benchmark.

Run it to write a plan::

    uv run python bench/generate_plan.py --microsteps 10000 -o /tmp/plan.json
    uv run python bench/generate_plan.py --findings -o /tmp/plan-with-findings.json
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

Node = dict[str, Any]

DEFAULT_MICROSTEPS: Final = 10_000
DEFAULT_SEED: Final = 2_024
MILESTONES: Final = 10
STEPS_PER_MILESTONE: Final = 20

#: The finding codes :func:`with_findings` plants, one of each (see ``buildrunner.spec.lint.CODES``).
PLANTED_CODES: Final = ("BR004", "BR005", "BR006", "BR007", "BR008", "BR009")

_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"  # the alphabet of buildrunner.spec.ids
_START: Final = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_SPAN_DAYS: Final = 180
_FRONTIER: Final = 0.4  # where in plan order the team currently is

_OWNERS: Final = ("ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hiro", "ines", "jon", "agent-a", "agent-b")
_TAGS: Final = ("backend", "frontend", "api", "cli", "db", "infra", "docs", "tests", "security", "perf", "ux", "sync")
_ESTIMATES: Final = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
_THEMES: Final = (
    "Foundations", "Accounts and sign-in", "Projects and plans", "Live collaboration", "Governance",
    "Analytics", "Integrations", "Billing", "Admin console", "Hardening and launch", "Mobile", "Localisation",
)
_VERBS: Final = ("Add", "Implement", "Refactor", "Fix", "Document", "Test", "Cache", "Validate", "Migrate",
                 "Instrument", "Paginate", "Harden", "Expose", "Remove", "Rename")
_OBJECTS: Final = ("the sign-in form", "project listing", "plan import", "webhook delivery", "audit ledger",
                   "session storage", "rate limiter", "search index", "invoice export", "role checks",
                   "the settings page", "email templates", "the sync outbox", "retry backoff", "presence feed",
                   "CSV export", "API tokens", "the admin dashboard", "error pages", "the health check")
_QUALIFIERS: Final = ("", "", "for large plans", "behind a feature flag", "with retries", "for every tenant",
                      "in the API", "in the CLI", "on mobile", "with an audit entry", "without downtime")
_SENTENCES: Final = (
    "Users reported that this is slow or confusing today.",
    "Keep the existing behaviour for old clients until the next major version.",
    "The server and the CLI must agree on the format.",
    "Follow the house style in ARCHITECTURE.md and add tests for every branch.",
    "Measure before and after; the benchmark lives in bench/.",
    "Coordinate with the team that owns the database schema before merging.",
    "Error messages must name the field and say how to fix it.",
    "This blocks the pilot customer, so keep the change small and shippable.",
    "Write the migration by hand after generating it, and test the downgrade.",
    "Make sure the page works without JavaScript and passes axe.",
)
_CRITERIA: Final = (
    "Unit tests cover the happy path and every error branch",
    "The page passes axe with zero violations",
    "p95 latency stays under 200 ms with 10k items",
    "Docs updated in docs/ and CHANGELOG.md",
    "Works offline and syncs when back online",
    "An audit entry is written for every change",
    "Bad input returns a 4xx naming the field",
    "Reviewed by a TechLead",
)
_LINK_KINDS: Final = ("pr", "issue", "doc", "test", "file")
_NOTES: Final = ("Started on this; first draft pushed.", "Blocked on the schema review, pinged the owners.",
                 "Agent run finished; two tests still flaky.", "Pairing tomorrow to finish the edge cases.",
                 "Moved the risky part behind a flag.", "Customer confirmed the fix works for them.")


class _Ids:
    """Ids shaped like the ones ``br`` generates, drawn from the seeded generator and unique in the plan."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def new(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}-{''.join(self._rng.choices(_ALPHABET, k=12))}"
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate


def _timestamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _status(rng: random.Random, position: float) -> str:
    """A status for a microstep at ``position`` (0..1) in plan order: done early, todo late."""
    if position < _FRONTIER - 0.05:
        weights = (2, 3, 2, 5, 88)
    elif position < _FRONTIER + 0.05:
        weights = (15, 25, 10, 20, 30)
    else:
        weights = (85, 5, 5, 3, 2)
    return rng.choices(("todo", "in_progress", "blocked", "review", "done"), weights=weights)[0]


def _sentences(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.sample(_SENTENCES, rng.randint(low, high)))


def _title(rng: random.Random) -> str:
    return " ".join(filter(None, (rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_QUALIFIERS))))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` uneven non-negative counts that add up to ``total``."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(parts), total - sum(counts)):  # hand out the remainder
        counts[i] += 1
    return counts


def _criteria(rng: random.Random, ids: _Ids, status: str) -> list[Node]:
    met_chance = {"done": 1.0, "review": 0.8, "in_progress": 0.4}.get(status, 0.0)
    return [
        {"id": ids.new("ac"), "text": text, "met": rng.random() < met_chance}
        for text in rng.sample(_CRITERIA, rng.randint(0, 3))
    ]


def _links(rng: random.Random, ids: _Ids, number: int) -> list[Node]:
    links = []
    for _ in range(rng.choices((0, 1, 2), weights=(60, 30, 10))[0]):
        kind = rng.choice(_LINK_KINDS)
        path = {"pr": "pull", "issue": "issues"}.get(kind, "blob/main/docs")
        links.append({"id": ids.new("ln"), "url": f"https://git.example.com/acme/webapp/{path}/{number}",
                      "title": f"{kind} for item {number}", "kind": kind})
    return links


def _notes(rng: random.Random, ids: _Ids, created: datetime) -> list[Node]:
    notes = []
    for i in range(rng.choices((0, 1, 2), weights=(70, 22, 8))[0]):
        moment = created + timedelta(hours=6 * (i + 1))
        notes.append({"id": ids.new("n"), "text": rng.choice(_NOTES), "author": rng.choice(_OWNERS),
                      "created_at": _timestamp(moment)})
    return notes


def _microstep(rng: random.Random, ids: _Ids, number: int, total: int, earlier: list[str]) -> Node:
    """One microstep; ``earlier`` holds the ids of the microsteps before it in plan order."""
    position = number / max(total, 1)
    status = _status(rng, position)
    created = _START + timedelta(days=_SPAN_DAYS * position, minutes=rng.randint(0, 600))
    node: Node = {"id": ids.new("ms"), "title": _title(rng), "status": status,
                  "description": _sentences(rng, 1, 3)}
    if rng.random() < 0.85:
        node["owner"] = rng.choice(_OWNERS)
    if rng.random() < 0.6:
        node["estimate"] = rng.choice(_ESTIMATES)
    node["tags"] = rng.sample(_TAGS, rng.randint(0, 3))
    node["links"] = _links(rng, ids, number)
    if earlier and rng.random() < 0.25:  # mostly recent work, sometimes something far back
        window = earlier[-60:] if rng.random() < 0.8 else earlier
        node["depends_on"] = rng.sample(window, min(len(window), rng.randint(1, 2)))
    else:
        node["depends_on"] = []
    node["notes"] = _notes(rng, ids, created)
    node["acceptance_criteria"] = _criteria(rng, ids, status)
    node["created_at"] = _timestamp(created)
    node["updated_at"] = _timestamp(created + timedelta(hours=rng.randint(0, 72)))
    return node


def generate_plan(microsteps: int = DEFAULT_MICROSTEPS, seed: int = DEFAULT_SEED) -> Node:
    """Return a valid Build Spec (the raw JSON tree) of ``microsteps`` microsteps.

    Args:
        microsteps: how many microsteps the plan holds, spread over ~10 milestones of ~20 steps.
        seed: seed of the generator; the same arguments always give the same plan.
    """
    rng = random.Random(seed)
    ids = _Ids(rng)
    step_sizes = _split(rng, microsteps, MILESTONES * STEPS_PER_MILESTONE)
    plan: Node = {
        "version": 1,
        "project": {"name": "Acme Webapp", "key": "WEB",
                    "description": "The customer-facing web application and its API.",
                    "created_at": _timestamp(_START), "updated_at": _timestamp(_START + timedelta(days=_SPAN_DAYS))},
        "milestones": [],
    }
    micro_ids: list[str] = []
    step_ids: list[str] = []
    for m in range(MILESTONES):
        milestone: Node = {"id": ids.new("m"), "title": f"M{m + 1}: {_THEMES[m % len(_THEMES)]}",
                           "description": _sentences(rng, 1, 2), "steps": []}
        for s in range(STEPS_PER_MILESTONE):
            step: Node = {"id": ids.new("s"), "title": f"{_title(rng)} (step {s + 1})",
                          "description": _sentences(rng, 1, 2), "depends_on": [], "microsteps": []}
            if step_ids and rng.random() < 0.33:  # the previous step, or one a little further back
                step["depends_on"] = [rng.choice(step_ids[-5:])]
            for _ in range(step_sizes[m * STEPS_PER_MILESTONE + s]):
                micro = _microstep(rng, ids, len(micro_ids), microsteps, micro_ids)
                step["microsteps"].append(micro)
                micro_ids.append(micro["id"])
            step_ids.append(step["id"])
            milestone["steps"].append(step)
        plan["milestones"].append(milestone)
    return _omit_defaults(plan)


def _omit_defaults(value: Any) -> Any:
    """Drop what ``br`` itself never writes: empty lists and strings, ``"status": "todo"``, ``"met": false``.

    ``br`` encodes its Structs with ``omit_defaults``, so a plan it maintains has none of these.
    """
    if isinstance(value, list):
        return [_omit_defaults(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: _omit_defaults(item) for key, item in value.items()
        if item not in ([], "") and (key, item) not in (("status", "todo"), ("met", False))
    }


def microsteps_in_order(plan: Node) -> list[Node]:
    """Every microstep node of ``plan`` in plan order."""
    return [micro for milestone in plan["milestones"] for step in milestone["steps"] for micro in step["microsteps"]]


def sample_ids(plan: Node) -> dict[str, str]:
    """Ids the benchmarks use, from the middle of the plan on.

    ``show`` is a microstep with every kind of content (criteria, links, notes, dependencies), so that
    ``br show`` prints all of its sections; ``edit`` is a ``todo`` microstep for ``br set-status``.
    """
    micro = microsteps_in_order(plan)
    later = micro[len(micro) // 2:]
    full = ("acceptance_criteria", "links", "notes", "depends_on")
    show = next((m for m in later if all(m.get(key) for key in full)), later[0])
    edit = next((m for m in later if m.get("status", "todo") == "todo"), later[-1])
    return {"show": show["id"], "edit": edit["id"]}


def with_findings(plan: Node, seed: int = DEFAULT_SEED) -> Node:
    """Return a copy of a generated ``plan`` with one finding of each code in :data:`PLANTED_CODES`.

    The planted findings are the mistakes people make when editing by hand: a duplicated id, a dangling
    and a cyclic dependency, a ``done`` item with an unmet criterion, an empty title and a misspelt
    status (which also makes the linter check the whole structure, its slow path). Only microsteps that
    take part in no dependency are touched, so no other finding appears by accident.
    """
    rng = random.Random(seed + 1)
    broken = copy.deepcopy(plan)
    micro = microsteps_in_order(broken)
    referenced = {dep for m in micro for dep in m.get("depends_on", ())}
    free = [m for m in micro if not m.get("depends_on") and m["id"] not in referenced]
    done = [m for m in free if m.get("status") == "done" and m.get("acceptance_criteria")]
    todo = [m for m in free if m.get("status", "todo") == "todo"]
    if len(free) < 8 or not done or len(todo) < 2:
        raise ValueError("the plan is too small to plant every finding; use at least a few hundred microsteps")
    unmet, = rng.sample(done, 1)
    misspelt, untitled = rng.sample(todo, 2)
    others = [m for m in free if m is not unmet and m is not misspelt and m is not untitled]
    original, duplicate, dangling, cycle_a, cycle_b = rng.sample(others, 5)
    unmet["acceptance_criteria"][-1]["met"] = False  # BR007
    misspelt["status"] = "finished"  # BR009
    untitled["title"] = "   "  # BR008
    duplicate["id"] = original["id"]  # BR004
    dangling["depends_on"] = ["ms-doesnotexist0"]  # BR005
    cycle_a["depends_on"], cycle_b["depends_on"] = [cycle_b["id"]], [cycle_a["id"]]  # BR006
    return broken


def encode(plan: Node) -> bytes:
    """Encode a plan the way ``br`` stores ``plan.json``: 2-space indent, UTF-8, trailing newline."""
    return (json.dumps(plan, indent=2, ensure_ascii=False) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    """Write a generated plan to a file or standard output."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--microsteps", "-n", type=int, default=DEFAULT_MICROSTEPS, help="default %(default)s")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default %(default)s")
    parser.add_argument("--findings", action="store_true", help="plant one finding of each of " + ", ".join(
        PLANTED_CODES))
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    plan = generate_plan(args.microsteps, args.seed)
    data = encode(with_findings(plan, args.seed) if args.findings else plan)
    if args.output:
        args.output.write_bytes(data)
        print(f"wrote {args.output} ({len(data) / 1e6:.1f} MB, {args.microsteps} microsteps)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
