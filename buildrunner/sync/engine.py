"""`br sync`: pull, three-way merge, push, with a durable outbox; a `kill -9` anywhere loses and duplicates nothing.

Every step writes ``plan.json`` first, then the base and delta files, then ``sync.json``. A crash before
``sync.json`` is written leaves the old state pointing at a plan that already holds the step's result; redoing the
step is harmless because the merge is idempotent (merge(B, merge(B, L, H), H) = merge(B, L, H)) and a push is
replayed with the same Idempotency-Key, which the server answers as the first time. See docs/sync.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from buildrunner.gcpause import gc_paused
from buildrunner.sync._calls import Clock
from buildrunner.sync._policy import sync_policy
from buildrunner.sync._run import Run
from buildrunner.sync._steps import stored_conflicts
from buildrunner.sync.errors import ServerUnavailableError
from buildrunner.sync.report import SyncOptions, SyncReport
from buildrunner.sync.state import SyncStore
from buildrunner.workspace.workspace import Workspace

if TYPE_CHECKING:
    from buildrunner.governance import Policy
    from buildrunner.sync.client import SyncClient

__all__ = ["SyncEngine", "stored_conflicts"]


class SyncEngine:
    """Syncs one linked workspace with its server project; holds the workspace lock while it runs."""

    def __init__(self, workspace: Workspace, *, client: SyncClient | None = None, policy: Policy | None = None,
                 now: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        """``client`` defaults to one built from the link and the stored API key; ``policy`` to policy.yml."""
        self.workspace, self.store = workspace, SyncStore(workspace)
        self.client, self._policy, self.clock = client, policy, Clock(now, sleep)

    def run(self, options: SyncOptions | None = None) -> SyncReport:
        """Sync once and report what happened (the exit code follows from ``report.outcome``).

        Raises:
            BrError: not linked or not logged in, an API key refused, a damaged state file, an invalid plan.
        """
        options = options or SyncOptions()
        with self.workspace.lock(), gc_paused():  # large plans: many acyclic objects (see buildrunner.gcpause)
            state = self.store.load_linked()
            policy = self._policy or _load_policy(self.workspace)
            run = Run(self.workspace, self.store, state, options, policy=policy, clock=self.clock, client=self.client)
            try:
                run.execute()
                if run.state.conflicts is None:  # conflicts to settle first: the sync talks to nobody
                    settled = sync_policy(run, options.policy)
                    run.report.policy, run.report.policy_message = settled.outcome, settled.message
                    run.save()
            except ServerUnavailableError as exc:
                run.queue_offline(exc)
            finally:
                if self.client is None and run.client is not None:
                    run.client.close()
            return run.finish()


def _load_policy(workspace: Workspace) -> Policy:
    from buildrunner.governance import load_policy  # noqa: PLC0415  (only a sync reads the policy)

    return load_policy(workspace.policy_path)

