"""Three replicas, 100 random edits each, syncing in random order, converge; every non-conflicting edit is kept.

Edits: status changes (through `PlanDocument.set_status`, which also stamps ``updated_at``), title edits by hand,
new microsteps and new acceptance criteria. Conflicts (two replicas changing the same field) are settled with a
random ours/theirs, as people would. The sync engine runs in-process against the live server.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from buildrunner.sync.conflicts import resolve_conflict
from buildrunner.sync.state import SyncStore
from buildrunner.workspace.workspace import run_edit
from tests.integration.sync.conftest import server_plan
from tests.integration.sync.support import Replica

EDITS = 100
STATUSES = ("todo", "in_progress", "blocked", "review")


class Edits:
    """What each replica wrote: fields (last value per replica) and the ids it added."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        self.added: list[str] = []


def microsteps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for ms in plan.get("milestones", []) for s in ms.get("steps", []) for m in s.get("microsteps", [])]


def edit_once(replica: Replica, rng: random.Random, edits: Edits, number: int) -> None:
    present = [m["id"] for m in microsteps(replica.plan)]
    kind = rng.choice(("status", "title", "microstep", "criterion"))
    name = f"{replica.root.name}{number}"
    if kind == "microstep" or not present:
        step = rng.choice(["s1", "s2"])
        assert replica.br("add", "microstep", f"added {name}", "-s", step, "--id", f"ms-{name}")[0] == 0
        edits.added.append(f"ms-{name}")
    elif kind == "status":
        target, status = rng.choice(present), rng.choice(STATUSES)
        run_edit(replica.workspace, lambda doc: doc.set_status(target, status))
        edits.fields[(target, "status")][replica.root.name] = status
    elif kind == "title":
        target, title = rng.choice(present), f"title {name}"
        replica.edit(lambda raw: next(m for m in microsteps(raw) if m["id"] == target).update(title=title))
        edits.fields[(target, "title")][replica.root.name] = title
    else:
        target = rng.choice(present)
        replica.edit(lambda raw: next(m for m in microsteps(raw) if m["id"] == target).setdefault(
            "acceptance_criteria", []).append({"id": f"ac-{name}", "text": f"criterion {name}", "met": False}))
        edits.added.append(f"ac-{name}")


def sync(replica: Replica, rng: random.Random) -> str:
    """Sync, settling any conflicts with a random side, until the replica is in step with the server."""
    for _ in range(10):
        report = replica.sync()
        if report.outcome != "conflicts":
            assert report.outcome in ("synced", "up_to_date"), report.message
            return report.outcome
        pending = SyncStore(replica.workspace).load_linked().conflicts
        assert pending is not None
        for conflict in list(pending.items):
            resolve_conflict(replica.workspace, conflict.id, rng.choice(("ours", "theirs")))
    raise AssertionError(f"{replica.root.name} kept finding conflicts")


@pytest.mark.slow
def test_three_replicas_converge_and_keep_every_non_conflicting_edit(replicas: list[Replica]) -> None:
    seed = int(os.environ.get("BR_CONVERGENCE_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    first = replicas[0]
    assert first.br("add", "milestone", "M", "--id", "m1")[0] == 0
    for step in ("s1", "s2"):
        assert first.br("add", "step", step, "-m", "m1", "--id", step)[0] == 0
    for replica in replicas:
        replica.link()
        sync(replica, rng)
    edits = Edits()
    made = Counter[str]()
    while any(made[r.root.name] < EDITS for r in replicas):
        replica = rng.choice([r for r in replicas if made[r.root.name] < EDITS])
        for _ in range(min(rng.randint(1, 4), EDITS - made[replica.root.name])):
            edit_once(replica, rng, edits, made[replica.root.name])
            made[replica.root.name] += 1
        sync(replica, rng)
    for _ in range(3):  # a round to spread the last changes, a round to confirm
        for replica in replicas:
            sync(replica, rng)

    _, remote = server_plan(first.url, first.api_key, first.project)
    assert all(r.plan == remote for r in replicas), f"seed {seed}: replicas differ"
    items = {m["id"]: m for m in microsteps(remote)}
    assert len(items) == len(microsteps(remote)), f"seed {seed}: a microstep is duplicated"
    criteria = Counter(c["id"] for m in items.values() for c in m.get("acceptance_criteria", []))
    for added in edits.added:
        assert (items if added.startswith("ms-") else criteria).get(added), f"seed {seed}: {added} was lost"
    assert max(criteria.values(), default=1) == 1, f"seed {seed}: a criterion is duplicated"
    for (item, field), by_replica in edits.fields.items():
        final = items[item].get(field, "todo" if field == "status" else None)
        if len(by_replica) == 1:  # only one replica touched it: no conflict was possible, its last value wins
            assert final == next(iter(by_replica.values())), f"seed {seed}: {item}.{field} lost an edit"
        else:
            assert final in by_replica.values(), f"seed {seed}: {item}.{field} = {final!r} was never written"
