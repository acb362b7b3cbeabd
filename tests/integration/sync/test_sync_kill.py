"""`kill -9` at random moments of `br sync`, over 200 runs: nothing is lost and nothing is duplicated.

Workspace A adds a microstep (and now and then renames one by hand) before each run of `br sync` as a separate
process, which is killed with SIGKILL after a random delay between 0 and 1.2 times the measured length of a whole sync.
Workspace B adds microsteps of its own and syncs in between, so A's runs also merge and replay against a moving
server. At the end both sync to completion: the server, A and B hold the same plan, with every edit exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest

from tests.integration.sync.conftest import server_plan
from tests.integration.sync.support import Replica, br_script

RUNS = 200


def microstep_ids(plan: dict[str, Any]) -> list[str]:
    return [m["id"] for ms in plan.get("milestones", []) for s in ms.get("steps", []) for m in s.get("microsteps", [])]


def start_sync(replica: Replica) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*br_script(), "sync", "--root", str(replica.root)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ))


def sync_to_completion(replica: Replica) -> None:
    for _ in range(10):
        report = replica.sync()
        state = replica.br_json("status")["sync"]
        if report.outcome in ("synced", "up_to_date") and not state["queued"] and not state["ahead"]:
            return
        assert report.outcome not in ("conflicts", "failed"), report.message
    raise AssertionError(f"{replica.root.name} did not finish syncing: {report.message}")


@pytest.mark.slow
def test_kill_9_anywhere_loses_and_duplicates_nothing(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    seed = int(os.environ.get("BR_KILL_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    assert a.br("add", "milestone", "M", "--id", "m")[0] == 0
    assert a.br("add", "step", "S", "-m", "m", "--id", "s")[0] == 0
    a.link()
    assert a.sync().outcome == "synced"
    b.link()
    assert b.sync().outcome == "synced"

    # One whole `br sync` with a change to push: how long a run lasts, hence the range of kill delays.
    assert a.br("add", "microstep", "warm-up", "-s", "s", "--id", "w0")[0] == 0
    started = time.perf_counter()
    assert subprocess.run([*br_script(), "sync", "--root", str(a.root)], capture_output=True, timeout=60,
                          check=False).returncode == 0
    longest = time.perf_counter() - started

    expected_titles: dict[str, str] = {}
    b_ids: list[str] = []
    killed = finished = 0
    for run in range(RUNS):
        assert a.br("add", "microstep", f"a{run}", "-s", "s", "--id", f"a{run}")[0] == 0
        if run % 7 == 3:  # a hand edit of an earlier microstep, as an editor would make it
            target, title = f"a{rng.randrange(run)}", f"renamed in run {run}"
            expected_titles[target] = title
            a.edit(lambda raw, t=target, new=title: next(
                m for m in raw["milestones"][0]["steps"][0]["microsteps"] if m["id"] == t).update(title=new))
        if run % 10 == 5:
            b_ids.append(f"b{run}")
            assert b.br("add", "microstep", f"b{run}", "-s", "s", "--id", f"b{run}")[0] == 0
            assert b.sync().outcome in ("synced", "up_to_date")
        process = start_sync(a)
        try:
            process.wait(timeout=rng.uniform(0, 1.2 * longest))
            finished += 1
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            killed += 1

    sync_to_completion(a)
    sync_to_completion(b)
    sync_to_completion(a)
    revision, remote = server_plan(a.url, a.api_key, a.project)
    print(f"kill -9 test: seed {seed}, {killed} runs killed, {finished} finished, one sync {longest:.2f} s, "
          f"server at revision {revision}")
    assert a.plan == b.plan == remote, f"seed {seed}"
    ids = microstep_ids(remote)
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicated, f"seed {seed}: duplicated {duplicated}"
    assert set(ids) == {"w0", *(f"a{run}" for run in range(RUNS)), *b_ids}, f"seed {seed}"
    items = a.items()
    for item, title in expected_titles.items():
        assert items[item]["title"] == title, f"seed {seed}: {item} lost its rename"
    assert killed > RUNS // 4, "the delays never caught a sync in progress"
