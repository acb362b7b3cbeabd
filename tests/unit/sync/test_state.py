"""The sync state files: round trips, atomic writes, immutable bases, garbage collection, damaged files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from buildrunner.sync.errors import ConfigError
from buildrunner.sync.state import (
    BreakerState,
    Contact,
    Link,
    OutboxEntry,
    PendingConflicts,
    StoredConflict,
    SyncState,
    SyncStore,
    plan_hash,
)
from buildrunner.workspace.workspace import Workspace


def full_state() -> SyncState:
    return SyncState(
        link=Link(server="https://br.example.org", project="WEB", org="acme", linked_at="2026-01-01T00:00:00Z"),
        base_revision=7, base_hash=plan_hash(b"{}"), remote_head=9,
        outbox=[OutboxEntry(key="0b6f3c1e-7d1a-4c1e-9a51-0d6c7f1d2e3a", base_revision=7, created_at="t", changes=2,
                            attempts=3, last_error="boom", next_attempt_at="t2"),
                OutboxEntry(key="1b6f3c1e-7d1a-4c1e-9a51-0d6c7f1d2e3a", base_revision=6, created_at="t",
                            failed=True)],
        conflicts=PendingConflicts(against=9, found_at="t", items=[
            StoredConflict(id="abcd1234", path="microstep[ms-1].title", kind="field", base="a", local="b",
                           remote="c", item="")]),
        breaker=BreakerState(mode="open", failures=5, opened_at_ms=123),
        last_contact=Contact(at="t", ok=False, error="refused"), failures_total=11,
    )


def test_state_round_trips_through_sync_json(linked: SyncStore) -> None:
    state = full_state()
    linked.save(state)
    assert linked.load() == state
    assert json.loads(linked.path.read_text())["outbox"][0]["attempts"] == 3
    assert [e.key[0] for e in state.pending] == ["0"] and [e.key[0] for e in state.failed] == ["1"]


def test_unlinked_workspace_has_no_state_and_a_clear_error(ws: Workspace) -> None:
    store = SyncStore(ws)
    assert store.load() is None and not store.exists()
    with pytest.raises(ConfigError, match=r"not linked.*br link PROJECT_KEY"):
        store.load_linked()


@pytest.mark.parametrize("content", [b"{", b"[]", b'{"link": 3}', b""])
def test_damaged_state_is_a_config_error_naming_the_fix(linked: SyncStore, content: bytes) -> None:
    linked.path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"damaged.*br link PROJECT --force") as caught:
        linked.load()
    assert caught.value.exit_code == 2


def test_save_is_atomic_and_leaves_no_temp_file(linked: SyncStore, monkeypatch: pytest.MonkeyPatch) -> None:
    before = linked.path.read_bytes()

    def crash(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="No space"):
        linked.save(full_state())
    assert linked.path.read_bytes() == before  # the old state, whole
    assert [p.name for p in linked.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_bases_are_immutable_and_revision_zero_is_empty(linked: SyncStore) -> None:
    assert linked.read_base(0) == {}
    linked.write_base(3, {"version": 1, "milestones": []})
    linked.write_base(3, {"version": 2})  # a revision never changes: the first write stays
    assert linked.read_base(3) == {"version": 1, "milestones": []}
    linked.write_base(0, {"x": 1})
    assert not linked.base_path(0).exists()


def test_missing_or_damaged_base_is_a_config_error(linked: SyncStore) -> None:
    with pytest.raises(ConfigError, match=r"base-4\.json is missing"):
        linked.read_base(4)
    linked.dir.mkdir(parents=True, exist_ok=True)
    linked.base_path(5).write_bytes(b"[1]")
    with pytest.raises(ConfigError, match="not a plan"):
        linked.read_base(5)


def test_garbage_collection_keeps_what_the_state_refers_to(linked: SyncStore) -> None:
    state = full_state()
    for revision in (5, 6, 7, 8, 9):
        linked.write_base(revision, {"r": revision})
    for entry in state.outbox:
        linked.write_delta(entry.key, {"=": 1})
    linked.write_delta("2b6f3c1e-7d1a-4c1e-9a51-0d6c7f1d2e3a", {"=": 2})
    (linked.dir / ".base-8.json.abc.tmp").write_bytes(b"partial")  # left by a killed write
    (linked.dir / "notes.txt").write_text("not ours")
    linked.collect_garbage(state)
    names = sorted(p.name for p in linked.dir.iterdir())
    assert names == sorted(["base-6.json", "base-7.json", "base-9.json", "notes.txt",
                            *(f"outbox-{e.key}.json" for e in state.outbox)])
    assert linked.read_delta(state.outbox[0].key) == {"=": 1}


def test_unreadable_delta_says_how_to_recover(linked: SyncStore) -> None:
    with pytest.raises(ConfigError, match="--retry-failed"):
        linked.read_delta("0b6f3c1e-7d1a-4c1e-9a51-0d6c7f1d2e3a")


def test_state_ignores_unknown_fields_written_by_a_newer_version(linked: SyncStore) -> None:
    raw = msgspec.json.decode(linked.path.read_bytes())
    raw["future"] = {"x": 1}
    linked.path.write_bytes(msgspec.json.encode(raw))
    state = linked.load()
    assert state is not None and state.link.project == "WEB"


def test_sync_state_lives_under_buildrunner_state(linked: SyncStore, ws: Workspace) -> None:
    assert linked.path == ws.base / "state" / "sync.json"
    assert Path(linked.base_path(2)).parent == ws.base / "state" / "sync"
