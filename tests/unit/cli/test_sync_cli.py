"""`br conflicts`, `br resolve`, `br queue status`, `br status` (sync part) and sync errors, without a server.

The conflict state is made the way `br sync` makes it: a real three-way merge whose result is written to
plan.json, the server revision kept as a base file, and the conflicts recorded in sync.json.
"""

from __future__ import annotations

import builtins
import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from buildrunner.merge import merge_plans
from buildrunner.spec.document import encode_plan
from buildrunner.sync.engine import stored_conflicts
from buildrunner.sync.state import BreakerState, Link, OutboxEntry, PendingConflicts, SyncStore
from buildrunner.workspace.workspace import Workspace
from tests.unit.support import Br

KEY = "0b6f3c1e-7d1a-4c1e-9a51-0d6c7f1d2e3a"


def base_plan() -> dict[str, Any]:
    return {"version": 1, "project": {"name": "Shop"}, "milestones": [{"id": "m1", "title": "M", "steps": [
        {"id": "s1", "title": "S", "microsteps": [{"id": "ms1", "title": "Cart", "status": "todo"}]}]}]}


@pytest.fixture(autouse=True)
def _config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("BR_API_KEY", raising=False)


@pytest.fixture
def br(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Br:
    run = Br(tmp_path, capsys)
    assert run("init", "--name", "Shop")[0] == 0
    run.plan_path.write_bytes(encode_plan(base_plan()))
    return run


def link(br: Br) -> SyncStore:
    store = SyncStore(Workspace(br.root))
    state = store.new_state(Link(server="http://127.0.0.1:9", project="WEB"))
    state.base_revision = 4
    store.write_base(4, base_plan())
    store.save(state)
    return store


@pytest.fixture
def conflicted(br: Br) -> SyncStore:
    """Local renamed ms1 to "Cart v2", the server (revision 5) to "Basket" and added ms2: one conflict."""
    store = link(br)
    local, remote = base_plan(), base_plan()
    local["milestones"][0]["steps"][0]["microsteps"][0]["title"] = "Cart v2"
    remote["milestones"][0]["steps"][0]["microsteps"][0]["title"] = "Basket"
    remote["milestones"][0]["steps"][0]["microsteps"].append({"id": "ms2", "title": "Pay", "status": "todo"})
    merged = merge_plans(base_plan(), local, remote)
    br.plan_path.write_bytes(encode_plan(merged.plan))
    store.write_base(5, remote)
    state = store.load_linked()
    state.remote_head = 5
    state.conflicts = PendingConflicts(against=5, found_at="2026-01-01T00:00:00Z",
                                       items=stored_conflicts(merged.conflicts))
    store.save(state)
    return store


def conflict_id(store: SyncStore) -> str:
    state = store.load_linked()
    assert state.conflicts is not None and len(state.conflicts.items) == 1
    return state.conflicts.items[0].id


def title(br: Br, item: str = "ms1") -> str:
    return str(br.items()[item]["title"])


def test_conflicts_lists_id_path_and_the_three_values(br: Br, conflicted: SyncStore) -> None:
    ident = conflict_id(conflicted)
    code, out, _ = br("conflicts")
    assert code == 0
    assert "1 conflict with server revision 5" in out and f"{ident}  microstep[ms1].title  (field)" in out
    assert '"Cart"' in out and '"Cart v2"' in out and '"Basket"' in out
    listing = br.json("conflicts")
    assert listing["against"] == 5
    assert listing["conflicts"] == [{"id": ident, "path": "microstep[ms1].title", "kind": "field", "base": "Cart",
                                     "local": "Cart v2", "remote": "Basket", "item": ""}]


def test_no_conflicts(br: Br) -> None:
    link(br)
    assert br("conflicts")[1] == "no conflicts\n"
    assert br.json("conflicts") == {"against": None, "conflicts": []}


def test_resolve_theirs_takes_the_server_value_and_advances_the_base(br: Br, conflicted: SyncStore) -> None:
    ident = conflict_id(conflicted)
    assert title(br) == "Cart v2" and title(br, "ms2") == "Pay"  # the merge kept ours and took their addition
    code, out, _ = br("resolve", ident[:4], "--theirs")
    assert code == 0 and "took the server's value" in out and "base is now revision 5" in out
    assert title(br) == "Basket"
    state = conflicted.load_linked()
    assert state.conflicts is None and state.base_revision == 5 and state.base_hash
    status = br.json("status")["sync"]
    assert status["ahead"] == 0 and status["conflicts"] == 0 and status["behind"] == 0


def test_resolve_ours_keeps_the_local_value_to_push_next(br: Br, conflicted: SyncStore) -> None:
    result = br.json("resolve", conflict_id(conflicted), "--ours")
    assert result["remaining"] == 0 and result["base_revision"] == 5 and result["choice"] == "ours"
    assert title(br) == "Cart v2"
    assert br.json("status")["sync"]["ahead"] == 1  # the next sync pushes it
    assert conflicted.load_linked().base_hash == ""


def test_resolve_with_a_value(br: Br, conflicted: SyncStore) -> None:
    code, out, _ = br("resolve", conflict_id(conflicted), "--value", '"Cart and basket"')
    assert code == 0 and "set your value" in out
    assert title(br) == "Cart and basket"


def test_resolve_refusals_change_nothing(br: Br, conflicted: SyncStore) -> None:
    before, state_before = br.plan_path.read_bytes(), conflicted.path.read_bytes()
    code, _, err = br("resolve", "zzzz", "--theirs")
    assert code == 1 and "'zzzz' is not a pending conflict (pending: " in err
    code, _, err = br("resolve", conflict_id(conflicted), "--value", "not json")
    assert code == 2 and "--value must be JSON" in err
    code, _, err = br("resolve", conflict_id(conflicted), "--value", "42")
    assert code == 2 and "makes the plan invalid" in err
    code, _, err = br("resolve", conflict_id(conflicted))
    assert code == 2 and "--ours, --theirs or --value" in err
    code, _, err = br("resolve", "--theirs")
    assert code == 2 and "give its ID" in err
    assert br.plan_path.read_bytes() == before and conflicted.path.read_bytes() == state_before


def test_interactive_resolve_needs_a_terminal(br: Br, conflicted: SyncStore) -> None:
    code, _, err = br("resolve")
    assert code == 2 and "needs a terminal" in err and "br resolve ID" in err


def test_interactive_resolve_shows_three_columns_and_asks(br: Br, conflicted: SyncStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["x", "e", "nope", "e", '"Typed"'])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(builtins, "input", lambda _prompt="": next(answers))
    code, out, _ = br("resolve")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("base"))
    assert "local (ours)" in header and "remote (theirs)" in header
    row = next(line for line in out.splitlines() if '"Cart"' in line)
    assert row.index('"Cart"') < row.index('"Cart v2"') < row.index('"Basket"')  # side by side
    assert "br: error: --value must be JSON" in out  # a bad value is asked again, not fatal
    assert title(br) == "Typed" and conflicted.load_linked().conflicts is None


def test_interactive_quit_and_skip_leave_the_conflict(br: Br, conflicted: SyncStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    for answer in ("s", "q"):
        monkeypatch.setattr(builtins, "input", lambda _prompt="", a=answer: a)
        assert br("resolve")[0] == 0
        assert title(br) == "Cart v2" and conflict_id(conflicted)


def test_sync_refuses_while_conflicts_are_pending_without_calling_the_server(br: Br, conflicted: SyncStore) -> None:
    code, out, _ = br("sync")
    assert code == 4 and "1 conflict with server revision 5" in out and "br resolve" in out
    report = json.loads(br("sync", "--json")[1])
    assert report["outcome"] == "conflicts" and report["conflicts"] == 1
    assert conflicted.load_linked().last_contact is None


def test_sync_unlinked_and_not_logged_in_are_configuration_errors(br: Br) -> None:
    before = br.plan_path.read_bytes()
    code, _, err = br("sync")
    assert code == 2 and "not linked to a server project; run `br link PROJECT_KEY`" in err
    link(br)
    code, _, err = br("sync")
    assert code == 2 and "not logged in to http://127.0.0.1:9; run `br login --server http://127.0.0.1:9`" in err
    code, _, err = br("link", "WEB")
    assert code == 2 and "not logged in" in err
    assert br.plan_path.read_bytes() == before


def test_queue_status_text_and_json(br: Br) -> None:
    store = link(br)
    state = store.load_linked()
    state.outbox = [OutboxEntry(key=KEY, base_revision=4, created_at="2026-01-01T00:00:00Z", changes=2, attempts=5,
                                last_error="cannot reach http://127.0.0.1:9", next_attempt_at="2026-01-01T00:00:08Z")]
    state.breaker = BreakerState(mode="open", failures=5, opened_at_ms=1_767_225_600_000)
    store.save(state)
    code, out, _ = br("queue", "status")
    assert code == 0
    assert "1 pending, 0 refused" in out and "0b6f3c1e  pending  2 changes against revision 4" in out
    assert "5 attempts" in out and "last error: cannot reach" in out
    assert "circuit breaker open after 5 failures: no call before 2026-01-01T00:01:00Z" in out
    listing = br.json("queue", "status")
    assert listing["entries"][0]["key"] == KEY and listing["circuit"] == {
        "state": "open", "failures": 5, "retry_at": "2026-01-01T00:01:00Z"}


def test_status_shows_the_sync_state_only_when_linked(br: Br) -> None:
    assert "sync" not in br.json("status")
    assert "sync:" not in br("status")[1]
    store = link(br)
    edited = copy.deepcopy(base_plan())
    edited["milestones"][0]["steps"][0]["microsteps"][0]["status"] = "in_progress"
    br.plan_path.write_bytes(encode_plan(edited))
    state = store.load_linked()
    state.remote_head = 6
    store.save(state)
    sync = br.json("status")["sync"]
    assert sync["ahead"] == 1 and sync["behind"] == 2 and sync["reachable"] is None and sync["base_revision"] == 4
    out = br("status")[1]
    assert "sync: WEB on http://127.0.0.1:9, base revision 4" in out
    assert "ahead 1 change, behind 2 revisions, 0 conflicts, 0 queued" in out and "never contacted" in out
