"""The sync state as `br status` shows it, without a network call (and without importing httpx).

``ahead`` counts the items of ``plan.json`` that differ from the base (skipped when the plan's hash still
equals the one recorded at the last sync); ``behind`` is how many revisions the server was ahead at the last
contact; ``reachable`` is the result of that contact.
"""

from __future__ import annotations

from typing import Any

import msgspec

from buildrunner.sync.changes import summarize
from buildrunner.sync.state import SyncState, SyncStore, plan_hash
from buildrunner.workspace.workspace import Workspace

__all__ = ["SyncSummary", "sync_summary"]


class SyncSummary(msgspec.Struct, kw_only=True):
    """The sync part of `br status --json`."""

    server: str
    project: str
    org: str | None = None
    base_revision: int
    remote_revision: int
    ahead: int
    behind: int
    conflicts: int
    queued: int
    failed: int
    reachable: bool | None
    last_contact: str | None
    last_error: str = ""
    circuit: str = "closed"

    def lines(self) -> list[str]:
        """Human lines for `br status`."""
        where = f"{self.project} on {self.server}" + (f" (org {self.org})" if self.org else "")
        reach = "never contacted" if self.reachable is None else \
            f"reachable at {self.last_contact}" if self.reachable else \
            f"unreachable at {self.last_contact}: {self.last_error}"
        lines = [
            f"sync: {where}, base revision {self.base_revision}",
            f"  ahead {self.ahead} change{'s' if self.ahead != 1 else ''}, behind {self.behind} "
            f"revision{'s' if self.behind != 1 else ''}, {self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
            f", {self.queued} queued" + (f", {self.failed} refused" if self.failed else ""),
            f"  server {reach}" + (f"; circuit breaker {self.circuit.replace('_', '-')}" if self.circuit != "closed"
                                   else ""),
        ]
        return lines


def sync_summary(workspace: Workspace, plan_bytes: bytes | None = None, remote_head: int | None = None,
                 ) -> SyncSummary | None:
    """The sync state of a linked workspace, ``None`` when it is not linked.

    Args:
        workspace: the workspace. plan_bytes: ``plan.json`` if the caller has read it already.
        remote_head: a head revision just fetched (`br status --check-server`), else the last one seen.
    """
    store = SyncStore(workspace)
    state = store.load()
    if state is None:
        return None
    data = plan_bytes if plan_bytes is not None else workspace.read_plan_bytes()
    head = state.remote_head if remote_head is None else remote_head
    contact = state.last_contact
    return SyncSummary(
        server=state.link.server, project=state.link.project, org=state.link.org,
        base_revision=state.base_revision, remote_revision=head, ahead=_ahead(store, state, data),
        behind=max(head - state.base_revision, 0), conflicts=len(state.conflicts.items) if state.conflicts else 0,
        queued=len(state.pending), failed=len(state.failed), reachable=contact.ok if contact else None,
        last_contact=contact.at if contact else None, last_error=contact.error if contact else "",
        circuit=state.breaker.mode,
    )


def _ahead(store: SyncStore, state: SyncState, data: bytes) -> int:
    if state.base_hash and plan_hash(data) == state.base_hash:
        return 0
    try:
        local: Any = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return 0
    return summarize(store.read_base(state.base_revision), local).count
