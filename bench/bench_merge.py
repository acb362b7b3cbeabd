"""The field-level merge and the sync deltas on a generated 10,000-microstep plan, against baselines of the same run.

1. **Merge.** Base = the generated plan; local and remote each change 1% of the microsteps (their own, disjoint:
   titles, statuses, a met criterion, a tag), and each adds and moves a few. ``merge_plans(base, local,
   remote)`` is timed against the baseline of the issue: one JSON decode + encode of the same document
   (msgspec, the fastest the machine does it). Targets: ≤ 200 ms and at most 5 times the baseline. The merge must be
   clean and hold every edit of both sides (checked before timing).
2. **Deltas.** ``diff`` and ``apply_delta`` of the local change, timed the same way, and the bytes a sync sends
   (the delta as JSON) for a 1% change and for a fixed 100-microstep change at 1,000 and 10,000 microsteps:
   bytes must follow the change, not the plan.

Usage::

    uv run python bench/bench_merge.py [--microsteps N] [--repeat R] [--strict]

Results are printed as a table and written to ``bench/results/merge.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import msgspec
from generate_plan import DEFAULT_MICROSTEPS, DEFAULT_SEED, encode, generate_plan, microsteps_in_order

from buildrunner.merge import apply_delta, diff, merge_plans

RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "merge.json"
MERGE_TARGET_S: Final = 0.200
MERGE_RATIO_TARGET: Final = 5.0
Node = dict[str, Any]


def edit_side(plan: Node, mine: list[Node], side: str, rng: random.Random) -> None:
    """Change ``mine`` (microsteps of ``plan``) the way a day of work does; add two microsteps and move one."""
    for number, microstep in enumerate(mine):
        match number % 4:
            case 0:
                microstep["title"] = f"{microstep['title']} ({side})"
            case 1:
                microstep["status"] = "in_progress" if microstep.get("status") != "in_progress" else "review"
            case 2:
                microstep.setdefault("tags", []).append(f"{side}-tag")
            case _:
                microstep["description"] = f"edited on {side}"
    steps = [step for milestone in plan["milestones"] for step in milestone["steps"]]
    for k in range(2):
        rng.choice(steps)["microsteps"].append({"id": f"ms-{side}-new-{k}", "title": f"added on {side}"})
    moved = mine[-1]
    for step in steps:
        if moved in step["microsteps"]:
            step["microsteps"].remove(moved)
            break
    rng.choice(steps)["microsteps"].append(moved)


def scenario(microsteps: int, seed: int, share: float) -> tuple[Node, Node, Node, bytes]:
    """Base, local and remote plans; each side edits ``share`` of the microsteps (disjoint sets)."""
    data = encode(generate_plan(microsteps, seed))
    base = msgspec.json.decode(data)
    rng = random.Random(seed)
    ids = [m["id"] for m in microsteps_in_order(base)]
    count = max(4, int(len(ids) * share))
    picked = rng.sample(ids, 2 * count)
    sides = []
    for side, chosen in (("local", set(picked[:count])), ("remote", set(picked[count:]))):
        plan = msgspec.json.decode(data)
        edit_side(plan, [m for m in microsteps_in_order(plan) if m["id"] in chosen], side, rng)
        sides.append(plan)
    return base, sides[0], sides[1], data


def check_merge(base: Node, local: Node, remote: Node) -> None:
    """The merge is clean and every edit of either side (changed or added microstep) is in it as that side made it."""
    result = merge_plans(base, local, remote)
    if not result.clean:
        raise SystemExit(f"the merge reported {len(result.conflicts)} conflicts: {result.conflicts[:3]}")
    merged = {m["id"]: m for m in microsteps_in_order(result.plan)}
    base_index = {m["id"]: m for m in microsteps_in_order(base)}
    for side in (local, remote):
        for microstep in microsteps_in_order(side):
            if base_index.get(microstep["id"]) != microstep and merged.get(microstep["id"]) != microstep:
                raise SystemExit(f"the edit of {microstep['id']} is not in the merge")


def timed(function: Callable[[], Any], repeat: int) -> list[float]:
    """Wall times of ``repeat`` calls (after one untimed call)."""
    function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def delta_bytes(microsteps: int, seed: int, changed: int) -> int:
    """Bytes of the delta for ``changed`` microsteps edited in a plan of ``microsteps``."""
    base = msgspec.json.decode(encode(generate_plan(microsteps, seed)))
    local = copy.deepcopy(base)
    rng = random.Random(seed)
    edit_side(local, rng.sample(microsteps_in_order(local), changed), "local", rng)
    delta = diff(base, local)
    if apply_delta(base, delta) != local:
        raise SystemExit("apply_delta(base, diff(base, local)) is not local")
    return len(msgspec.json.encode(delta))


def record(name: str, samples: list[float], baseline: float | None, target: float | None,
           ratio_target: float | None) -> dict[str, Any]:
    """One row of results."""
    median = statistics.median(samples)
    ratio = median / baseline if baseline else None
    passed = (target is None or median <= target) and (ratio_target is None or (ratio or 0) <= ratio_target)
    return {"name": name, "median_s": median, "min_s": min(samples), "samples_s": samples, "ratio": ratio,
            "target_s": target, "ratio_target": ratio_target,
            "result": None if target is None and ratio_target is None else ("PASS" if passed else "FAIL")}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 under ``--strict`` when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--microsteps", type=int, default=DEFAULT_MICROSTEPS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    base, local, remote, data = scenario(args.microsteps, args.seed, 0.01)
    check_merge(base, local, remote)
    baseline = timed(lambda: msgspec.json.encode(msgspec.json.decode(data)), args.repeat)
    base_median = statistics.median(baseline)
    rows = [
        record("JSON decode + encode (baseline)", baseline, None, None, None),
        record("merge_plans, 1% changed each side", timed(lambda: merge_plans(base, local, remote), args.repeat),
               base_median, MERGE_TARGET_S, MERGE_RATIO_TARGET),
        record("diff (local vs base)", timed(lambda: diff(base, local), args.repeat), base_median, None, None),
    ]
    delta = diff(base, local)
    rows.append(record("apply_delta", timed(lambda: apply_delta(base, delta), args.repeat), base_median, None, None))
    one_percent = max(4, args.microsteps // 100)
    sizes = {
        "plan_bytes": len(data),
        f"delta_bytes_1pct_of_{args.microsteps}": len(msgspec.json.encode(delta)),
        "delta_bytes_100_changed_in_1000": delta_bytes(1_000, args.seed, 100),
        f"delta_bytes_100_changed_in_{args.microsteps}": delta_bytes(args.microsteps, args.seed, 100),
        f"delta_bytes_{one_percent}_changed_in_{args.microsteps}": delta_bytes(args.microsteps, args.seed,
                                                                             one_percent),
    }
    print(f"{'benchmark':<40}{'median':>10}{'min':>10}{'× base':>9}  {'target':>16}  result")
    print("-" * 96)
    for row in rows:
        target = " and ".join(t for t in (f"≤ {row['target_s'] * 1000:.0f} ms" if row["target_s"] else "",
                                          f"≤ {row['ratio_target']:g}×" if row["ratio_target"] else "") if t)
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "—"
        print(f"{row['name']:<40}{row['median_s'] * 1000:>8.1f}ms{row['min_s'] * 1000:>8.1f}ms{ratio:>9}  "
              f"{target or '—':>16}  {row['result'] or ''}")
    for name, value in sizes.items():
        print(f"{name:<56}{value:>12,} bytes")
    failed = [row["name"] for row in rows if row["result"] == "FAIL"]
    grows_with_change = sizes[f"delta_bytes_100_changed_in_{args.microsteps}"] \
        <= 2 * sizes["delta_bytes_100_changed_in_1000"]
    verdict = "at most 2x: follows the change, PASS" if grows_with_change else "FAIL"
    print(f"bytes for the same change in a 10x larger plan: {verdict}")
    if not grows_with_change:
        failed.append("delta size")
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(), "python": sys.version, "machine": platform.platform(),
        "microsteps": args.microsteps, "seed": args.seed, "rows": rows, "sizes": sizes, "failed": failed,
    }, indent=2))
    print(f"wrote {RESULTS_PATH}; {'missed: ' + ', '.join(failed) if failed else 'every target met'}")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
