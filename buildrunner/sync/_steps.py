"""The plumbing of one sync: state saving, the client, reading and writing plan.json, new outbox entries."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Final

import msgspec

from buildrunner.merge import Conflict, MergeResult, conflict_id, merge_plans
from buildrunner.spec.document import PlanDocument, encode_plan
from buildrunner.sync._calls import CallPolicy, Clock, iso
from buildrunner.sync.errors import ConfigError
from buildrunner.sync.report import SyncOptions, SyncReport
from buildrunner.sync.state import OutboxEntry, StoredConflict, SyncState, SyncStore, plan_hash
from buildrunner.workspace.files import atomic_write
from buildrunner.workspace.workspace import Workspace

if TYPE_CHECKING:
    from buildrunner.governance import Policy
    from buildrunner.sync.client import SyncClient

__all__ = ["EDIT_RACES", "EditRaceError", "Node", "RunBase", "merge3", "stored_conflicts"]

Node = dict[str, Any]
EDIT_RACES: Final = 5  # re-merges when plan.json changes under a sync (an editor saving) before giving up


class EditRaceError(ConfigError):
    """plan.json kept changing while a sync tried to write it."""

    exit_code = 1

    def __init__(self) -> None:
        """One message for every place it can happen."""
        super().__init__("plan.json kept changing while syncing (an editor saving?); run `br sync` again")


def merge3(base: Node, local: Node, remote: Node) -> MergeResult:
    """``merge_plans``, skipping the work when one side did not change (merge(b, b, y) = y, merge(b, x, b) = x)."""
    if local in (base, remote):
        return MergeResult(plan=remote, conflicts=[])
    if remote == base:
        return MergeResult(plan=local, conflicts=[])
    return merge_plans(base, local, remote)


def stored_conflicts(conflicts: list[Conflict]) -> list[StoredConflict]:
    """Conflicts as kept in ``sync.json``."""
    return [StoredConflict(id=conflict_id(c), path=c.path, kind=c.kind, base=c.base, local=c.local, remote=c.remote,
                           item=c.id) for c in conflicts]


def _make_client(state: SyncState) -> SyncClient:
    from buildrunner.sync.client import SyncClient  # noqa: PLC0415  (httpx is loaded only to talk to a server)
    from buildrunner.sync.credentials import CredentialStore  # noqa: PLC0415

    link = state.link
    key = CredentialStore().api_key(link.server)
    if not key:
        raise ConfigError(f"not logged in to {link.server}; run `br login --server {link.server}`")
    return SyncClient(link.server, key, link.project, org=link.org)



class RunBase:
    """What every step of a sync uses; the state in memory matches the files on disk at every network call."""

    def __init__(self, workspace: Workspace, store: SyncStore, state: SyncState, options: SyncOptions, *,
                 policy: Policy, clock: Clock, client: SyncClient | None) -> None:
        """Start a run over ``state`` (loaded under the workspace lock, which the caller holds)."""
        self.workspace, self.store, self.state, self.options, self.clock = workspace, store, state, options, clock
        self.client = client
        self.calls = CallPolicy(state, policy.sync_backoff, policy.circuit_breaker, clock, self.save)
        self.report = SyncReport(server=state.link.server, project=state.link.project, dry_run=options.dry_run)
        self.blocked = False  # a refused change blocks pushing until --retry-failed
        self.first_local: Node | None = None
        self.last_local: Node | None = None
        # Decoding a 10,000-microstep plan costs tens of milliseconds: each document is read once per run.
        # Nothing in a run changes a document in place (apply_delta and the merge build new ones).
        self._bases: dict[int, Node] = {}
        self._local: tuple[bytes, Node] | None = None

    def save(self) -> None:
        """Persist the state (never in a dry run)."""
        if not self.options.dry_run:
            self.store.save(self.state)

    def get_client(self) -> SyncClient:
        """The client, made on first use (so an open circuit never even reads the credentials)."""
        if self.client is None:
            self.client = _make_client(self.state)
        return self.client

    def now(self) -> str:
        """The current time as stored in sync.json."""
        return iso(self.clock.now())

    def base(self, revision: int) -> Node:
        """Server revision ``revision`` as last synced (read once per run)."""
        if revision not in self._bases:
            self._bases[revision] = self.store.read_base(revision)
        return self._bases[revision]

    def keep_base(self, revision: int, document: Node) -> None:
        """Write server revision ``revision`` (immutable: only once)."""
        self.store.write_base(revision, document)
        self._bases[revision] = document

    def read_local(self) -> tuple[bytes, Node]:
        """plan.json as bytes and as a validated raw tree (not decoded again when the bytes are the same)."""
        data = self.workspace.read_plan_bytes()
        if self._local is not None and self._local[0] == data:
            raw = self._local[1]
        elif self.state.base_hash and plan_hash(data) == self.state.base_hash:
            raw = msgspec.json.decode(data)  # the synced server revision, untouched: known to be valid
            self._local = (data, raw)
        else:
            raw = PlanDocument.from_bytes(data).raw
            self._local = (data, raw)
        if self.first_local is None:
            self.first_local = raw
        return data, raw

    def write_plan(self, expected: bytes, local: Node, new: Node) -> bytes | None:
        """Write ``new`` unless plan.json changed since it was read as ``expected`` (then ``None``: re-merge)."""
        if self.workspace.read_plan_bytes() != expected:
            return None
        self.last_local = new
        if local == new:  # same content: keep the user's formatting
            return expected
        data = encode_plan(new)
        atomic_write(self.workspace.plan_path, data)
        self._local = (data, new)
        return data

    def new_entry(self, base_revision: int, delta: Any, changes: int) -> OutboxEntry:
        """Keep a new outbox entry's delta, add it to the state (the caller saves)."""
        entry = OutboxEntry(key=str(uuid.uuid4()), base_revision=base_revision, created_at=self.now(),
                            changes=changes)
        self.store.write_delta(entry.key, delta)
        self.state.outbox.append(entry)
        return entry

