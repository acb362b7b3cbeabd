"""Pushing: deliver an outbox entry (replayable with its Idempotency-Key), accept the server's answer, or queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from buildrunner.merge import DeltaError, apply_delta, diff
from buildrunner.spec.document import encode_plan
from buildrunner.sync._steps import EDIT_RACES, EditRaceError, Node, RunBase, merge3, stored_conflicts
from buildrunner.sync.changes import summarize
from buildrunner.sync.errors import (
    ConfigError,
    PushConflictError,
    PushRejectedError,
    ServerUnavailableError,
    StaleBaseError,
    SyncError,
)
from buildrunner.sync.state import OutboxEntry, PendingConflicts, plan_hash

if TYPE_CHECKING:
    from buildrunner.sync.client import PushResult, SyncClient

__all__ = ["Pushing"]


class Pushing(RunBase):
    """The push half of a sync."""

    def deliver(self, entry: OutboxEntry) -> str:
        """Send ``entry``; "delivered", "conflicts", "retry" (409/412: pull again) or "failed" (refused)."""
        try:
            delta = self.store.read_delta(entry.key)
            base = self.base(entry.base_revision)
            sent = apply_delta(base, delta)
        except (ConfigError, DeltaError) as exc:  # damaged files: refused as the server would; --retry-failed
            entry.failed, entry.last_error = True, f"the queued change cannot be read back: {exc}"
            self.save()
            return "failed"
        if self.report.pushed is None:
            self.report.pushed = summarize(base, sent)
        try:
            result = self.calls.call(self.get_client, lambda c: _send(c, entry, sent, delta, self.options.message),
                                     entry)
        except (PushConflictError, StaleBaseError):
            self.drop(entry)
            return "retry"  # the next pull finds the conflicts (or the new head) locally
        except PushRejectedError as exc:
            entry.failed, entry.last_error, entry.last_attempt_at = True, _rejection(exc), self.now()
            entry.attempts += 1
            self.save()
            return "failed"
        try:
            stored = result.plan if result.plan is not None else apply_delta(sent, result.delta)
        except DeltaError:
            raise SyncError(f"{self.state.link.server} stored revision {result.revision} but its answer does not "
                            "fit the change sent; run `br sync` again") from None
        return self.accept(entry, sent, stored, result.revision)

    def accept(self, entry: OutboxEntry, sent: Node, stored: Node, revision: int) -> str:
        """Merge what the server stored into plan.json (with any edit made meanwhile); the base advances."""
        for _ in range(EDIT_RACES):
            data, local = self.read_local()
            merged = merge3(sent, local, stored)
            written = self.write_plan(data, local, merged.plan)
            if written is None:
                continue
            self.keep_base(revision, stored)
            self.state.outbox = [e for e in self.state.outbox if e.key != entry.key]
            self.state.remote_head = max(self.state.remote_head, revision)
            self.report.remote_revision = self.state.remote_head
            self.report.revisions_created.append(revision)
            if merged.conflicts:
                self.state.conflicts = PendingConflicts(against=revision, found_at=self.now(),
                                                        items=stored_conflicts(merged.conflicts))
            else:
                self.state.base_revision = revision
                self.state.base_hash = plan_hash(written) if stored == merged.plan else ""
            self.save()
            self.store.collect_garbage(self.state)
            return "conflicts" if merged.conflicts else "delivered"
        raise EditRaceError

    def drop(self, entry: OutboxEntry) -> None:
        """Forget an entry the server will not take as it is."""
        self.state.outbox = [e for e in self.state.outbox if e.key != entry.key]
        self.save()
        self.store.collect_garbage(self.state)

    def queue_offline(self, exc: ServerUnavailableError) -> None:
        """The server is out of reach: keep the local changes in the outbox for the next sync."""
        state = self.state
        if not self.options.dry_run and self.options.push and not self.blocked and not state.pending \
                and state.conflicts is None:
            _, local = self.read_local()
            delta = diff(self.base(state.base_revision), local)
            if delta is not None:
                self.new_entry(state.base_revision, delta, summarize(self.base(state.base_revision),
                                                                     local).count)
        self.save()
        self.report.outcome = "queued"
        count = len(state.pending)
        queued = f"{count} change{'s' if count != 1 else ''} queued" if count else "nothing to send"
        self.report.message = f"{exc}; {queued}, run `br sync` again later"


def _send(client: SyncClient, entry: OutboxEntry, sent: Node, delta: Any, message: str) -> PushResult:
    if entry.base_revision == 0:  # a delta applies to a revision: the first upload is the whole plan
        return client.put_plan(encode_plan(sent), 0, entry.key, message)
    return client.push(entry.base_revision, delta, entry.key, message)


def _rejection(exc: PushRejectedError) -> str:
    first = exc.errors[0] if exc.errors else None
    if isinstance(first, dict) and first.get("message"):
        return f"{exc} (first: {first.get('code', '')} {first['message']})".replace("  ", " ")
    return str(exc)


