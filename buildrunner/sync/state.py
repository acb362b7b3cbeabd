"""The sync state kept in ``buildrunner/state/``: the link, the merge base, the outbox, pending conflicts.

Layout (all written atomically, under the workspace lock):

- ``state/sync.json``: small; the link, the base revision, outbox entries (metadata), pending conflicts,
  the circuit breaker and the last contact with the server. ``br status`` reads it.
- ``state/sync/base-<N>.json``: server revision N as last synced, immutable once written.
- ``state/sync/outbox-<key>.json``: the delta of a queued push (kept apart so ``sync.json`` stays small).

A sync writes ``plan.json`` first, then the base and delta files, then ``sync.json``: a crash between any two
writes leaves a state that the next sync recovers from (see docs/sync.md).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Final, Literal

import msgspec

from buildrunner.spec.document import utc_now
from buildrunner.sync.errors import ConfigError
from buildrunner.workspace.files import atomic_write
from buildrunner.workspace.workspace import Workspace

__all__ = [
    "BreakerState",
    "Contact",
    "Link",
    "OutboxEntry",
    "PendingConflicts",
    "StoredConflict",
    "SyncState",
    "SyncStore",
    "plan_hash",
]

SYNC_FILE: Final = Path("state/sync.json")
SYNC_DIR: Final = Path("state/sync")
STATE_VERSION: Final = 1
_BASE_FILE = re.compile(r"^base-(\d+)\.json$")
_DELTA_FILE = re.compile(r"^outbox-([0-9a-f-]{36})\.json$")

BreakerMode = Literal["closed", "open", "half_open"]


class Link(msgspec.Struct, kw_only=True):
    """The server and project this workspace syncs with."""

    server: str
    project: str
    org: str | None = None
    linked_at: str = ""


class OutboxEntry(msgspec.Struct, kw_only=True):
    """A push not yet confirmed by the server; its delta (against ``base_revision``) is in its own file."""

    key: str  # the Idempotency-Key: a replay answers the same and creates no second revision
    base_revision: int
    created_at: str
    changes: int = 0
    attempts: int = 0
    last_error: str = ""
    last_attempt_at: str | None = None
    next_attempt_at: str | None = None
    failed: bool = False  # refused by the server (422): sent again only with `br sync --retry-failed`


class StoredConflict(msgspec.Struct, kw_only=True):
    """A merge conflict waiting for `br resolve`; the plan keeps the local value meanwhile."""

    id: str  # conflict_id(): 8 characters, stable
    path: str
    kind: str
    base: Any = None
    local: Any = None
    remote: Any = None
    item: str = ""


class PendingConflicts(msgspec.Struct, kw_only=True):
    """Conflicts found against server revision ``against``; the base advances to it once all are resolved."""

    against: int
    found_at: str
    items: list[StoredConflict]


class BreakerState(msgspec.Struct, kw_only=True):
    """The circuit breaker between this workspace and its server (see :mod:`buildrunner.sync.breaker`)."""

    mode: BreakerMode = "closed"
    failures: int = 0  # consecutive
    successes: int = 0  # consecutive, while half-open
    opened_at_ms: int = 0
    half_open_calls: int = 0


class Contact(msgspec.Struct, kw_only=True):
    """The result of the last call to the server."""

    at: str
    ok: bool
    error: str = ""


class SyncState(msgspec.Struct, kw_only=True):
    """Everything ``state/sync.json`` holds."""

    version: int = STATE_VERSION
    link: Link
    base_revision: int = 0
    base_hash: str = ""  # sha256 of plan.json when it last equalled the base: `br status` skips the diff then
    remote_head: int = 0  # the newest server revision seen
    policy_hash: str = ""  # sha256 of the policy.yml text both sides last agreed on (see buildrunner.sync._policy)
    policy_pending: str = ""  # sha256 of an uploaded policy.yml that waits for approval on the server
    outbox: list[OutboxEntry] = msgspec.field(default_factory=list)
    conflicts: PendingConflicts | None = None
    breaker: BreakerState = msgspec.field(default_factory=BreakerState)
    last_contact: Contact | None = None
    failures_total: int = 0

    @property
    def pending(self) -> list[OutboxEntry]:
        """Outbox entries waiting to be sent (not refused)."""
        return [entry for entry in self.outbox if not entry.failed]

    @property
    def failed(self) -> list[OutboxEntry]:
        """Outbox entries the server refused."""
        return [entry for entry in self.outbox if entry.failed]


def plan_hash(data: bytes) -> str:
    """The hash ``base_hash`` is compared with."""
    return hashlib.sha256(data).hexdigest()


def _encode(value: Any) -> bytes:
    return msgspec.json.encode(value)


class SyncStore:
    """Reads and writes the sync files of one workspace; callers hold the workspace lock for writes."""

    def __init__(self, workspace: Workspace) -> None:
        """Bind to ``workspace``."""
        self.workspace = workspace
        self.path = workspace.base / SYNC_FILE
        self.dir = workspace.base / SYNC_DIR

    def exists(self) -> bool:
        """Whether the workspace is linked."""
        return self.path.is_file()

    def load(self) -> SyncState | None:
        """The state, or ``None`` when the workspace is not linked.

        Raises:
            ConfigError: the file is unreadable or not a sync state.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return msgspec.json.decode(data, type=SyncState)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ConfigError(f"{self.path} is damaged ({exc}); run `br link PROJECT --force` to start over") from None

    def load_linked(self) -> SyncState:
        """The state of a linked workspace.

        Raises:
            ConfigError: not linked, or the file is damaged.
        """
        state = self.load()
        if state is None:
            raise ConfigError("this workspace is not linked to a server project; run `br link PROJECT_KEY` first")
        return state

    def save(self, state: SyncState) -> None:
        """Write ``sync.json`` atomically."""
        atomic_write(self.path, msgspec.json.format(_encode(state), indent=2) + b"\n")

    def new_state(self, link: Link) -> SyncState:
        """A fresh state for a new link (nothing synced: base revision 0)."""
        link.linked_at = link.linked_at or utc_now()
        return SyncState(link=link)

    # -- base snapshots ----------------------------------------------------------------------------

    def base_path(self, revision: int) -> Path:
        """Where server revision ``revision`` is kept."""
        return self.dir / f"base-{revision}.json"

    def read_base(self, revision: int) -> dict[str, Any]:
        """Server revision ``revision`` as last synced; revision 0 (no plan yet) is the empty document.

        Raises:
            ConfigError: the file is missing or damaged.
        """
        if revision == 0:
            return {}
        path = self.base_path(revision)
        try:
            value = msgspec.json.decode(path.read_bytes())
        except FileNotFoundError:
            raise ConfigError(f"the sync base {path} is missing; run `br link PROJECT --force` to start over") from None
        except (OSError, msgspec.DecodeError) as exc:
            raise ConfigError(f"the sync base {path} is damaged ({exc}); run `br link PROJECT --force`") from None
        if not isinstance(value, dict):
            raise ConfigError(f"the sync base {path} is not a plan; run `br link PROJECT --force` to start over")
        return value

    def write_base(self, revision: int, document: dict[str, Any]) -> None:
        """Keep server revision ``revision``; a revision never changes, so an existing file is left alone."""
        path = self.base_path(revision)
        if revision > 0 and not path.exists():
            atomic_write(path, _encode(document))

    # -- outbox deltas -----------------------------------------------------------------------------

    def delta_path(self, key: str) -> Path:
        """Where the delta of outbox entry ``key`` is kept."""
        return self.dir / f"outbox-{key}.json"

    def write_delta(self, key: str, delta: Any) -> None:
        """Keep the delta of a new outbox entry."""
        atomic_write(self.delta_path(key), _encode(delta))

    def read_delta(self, key: str) -> Any:
        """The delta of outbox entry ``key``.

        Raises:
            ConfigError: the file is missing or damaged.
        """
        path = self.delta_path(key)
        try:
            return msgspec.json.decode(path.read_bytes())
        except (OSError, msgspec.DecodeError) as exc:
            raise ConfigError(f"the queued change {path} is unreadable ({exc}); `br sync --retry-failed` "
                              "drops it and sends the plan's changes again") from None

    # -- housekeeping ------------------------------------------------------------------------------

    def collect_garbage(self, state: SyncState) -> None:
        """Delete base and delta files that ``state`` (as saved) no longer refers to."""
        keep_bases = {state.base_revision, *(entry.base_revision for entry in state.outbox)}
        if state.conflicts is not None:
            keep_bases.add(state.conflicts.against)
        keep_deltas = {entry.key for entry in state.outbox}
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            base = _BASE_FILE.match(path.name)
            delta = _DELTA_FILE.match(path.name)
            stale_temp = path.name.startswith(".") and path.name.endswith(".tmp")  # left by a killed write
            if stale_temp or (base and int(base.group(1)) not in keep_bases) \
                    or (delta and delta.group(1) not in keep_deltas):
                path.unlink(missing_ok=True)
