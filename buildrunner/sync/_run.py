"""One sync: replay the outbox, pull and merge, push; and the report of what happened."""

from __future__ import annotations

from typing import Any, Final

from buildrunner.merge import DeltaError, apply_delta, diff
from buildrunner.sync._push import Pushing
from buildrunner.sync._steps import EDIT_RACES, EditRaceError, Node, merge3, stored_conflicts
from buildrunner.sync.changes import summarize
from buildrunner.sync.errors import SyncError
from buildrunner.sync.report import SyncOptions, SyncReport
from buildrunner.sync.state import OutboxEntry, PendingConflicts, SyncState, plan_hash

__all__ = ["Run"]

PUSH_ROUNDS: Final = 3  # pull-merge-push rounds when the server keeps moving


class Run(Pushing):
    """Runs the steps of docs/sync.md in order."""

    def execute(self) -> None:
        """Replay the outbox, then pull-merge-push (or one half); stops at conflicts or a refusal."""
        state, options = self.state, self.options
        if state.conflicts is not None:
            return
        if state.failed:
            if options.retry_failed and not options.dry_run:
                state.outbox = state.pending
                self.save()
                self.store.collect_garbage(state)
            elif not options.retry_failed:
                self.blocked = True
        push = options.push and not self.blocked
        result = self.replay(state.pending[0]) if push and state.pending else "start"
        if result == "failed":
            push = False
        if result == "conflicts" or (result in ("delivered", "failed") and not options.pull):
            return
        for _ in range(PUSH_ROUNDS):
            if options.pull or result == "retry":  # after a 409 the conflicts are found by pulling
                result = self.pull_merge(push=push)
            elif push:
                result = self.push_local()
            if result != "retry":
                return
        raise SyncError("the server's plan kept changing during the sync; run `br sync` again")

    def replay(self, entry: OutboxEntry) -> str:
        """Send the queued entry again, under its original Idempotency-Key."""
        if not self.options.dry_run:
            return self.deliver(entry)
        self.report.queued = len(self.state.pending)
        return "done"

    def fetch_head(self) -> tuple[int, Node]:
        """The server's head revision and plan (a delta from the base, or the whole plan before the first sync)."""
        base_revision = self.state.base_revision
        if base_revision == 0:  # nothing synced yet: the whole plan, if the project has one
            current = int(self.calls.call(self.get_client, lambda c: c.get_project()).get("current_revision", 0))
            head, remote = (0, {}) if current == 0 else self.calls.call(self.get_client, lambda c: c.get_plan())
            self.state.remote_head = self.report.remote_revision = head
            return head, remote
        head, delta = self.calls.call(self.get_client, lambda c: c.plan_delta(base_revision))
        if head < base_revision:
            raise SyncError(f"{self.state.link.server} has {self.state.link.project} at revision {head}, older than "
                            f"the last synced revision {base_revision} (was the server restored?); run "
                            f"`br link {self.state.link.project} --force` to start over")
        try:
            remote = apply_delta(self.base(base_revision), delta)
        except DeltaError:  # the server's delta does not fit the stored base: take the whole plan instead
            head, remote = self.calls.call(self.get_client, lambda c: c.get_plan())
        if not isinstance(remote, dict):
            raise SyncError(f"{self.state.link.server} sent a plan that is not a JSON object")
        self.state.remote_head = head
        self.report.remote_revision = head
        return head, remote

    def merge_base(self, local: Node, head: int) -> Node:
        """The common ancestor of plan.json and the head."""
        if self.state.base_revision == 0 and head > 0:
            # Never synced, and the server has a plan: adopt its project fields, keep the items of both.
            return {**{k: v for k, v in local.items() if k != "milestones"}, "milestones": []}
        return self.base(self.state.base_revision)

    def pull_merge(self, *, push: bool) -> str:
        """Merge the head into plan.json; push the result when it differs from the head (and ``push``)."""
        head, remote = self.fetch_head()
        for _ in range(EDIT_RACES):
            data, local = self.read_local()
            merged = merge3(self.merge_base(local, head), local, remote)
            delta = diff(remote, merged.plan) if push and merged.clean else None
            if self.options.dry_run:
                self.last_local = merged.plan
                self.report.conflicts = len(merged.conflicts)
                self.report.pushed = summarize(remote, merged.plan) if delta is not None else None
                return "done"
            written = self.write_plan(data, local, merged.plan)
            if written is None:
                continue
            self.keep_base(head, remote)
            if merged.conflicts:
                self.state.conflicts = PendingConflicts(against=head, found_at=self.now(),
                                                        items=stored_conflicts(merged.conflicts))
                self.save()
                return "conflicts"
            if delta is None:
                self.state.base_revision = head
                self.state.base_hash = plan_hash(written) if remote == merged.plan else ""
                self.save()
                self.store.collect_garbage(self.state)
                return "done"
            self.report.pushed = summarize(remote, merged.plan)
            entry = self.new_entry(head, delta, self.report.pushed.count)
            self.state.base_revision, self.state.base_hash = head, ""
            self.save()
            return self.deliver(entry)
        raise EditRaceError

    def push_local(self) -> str:
        """`--push`: send plan.json's changes against the base without pulling; the server merges."""
        _, local = self.read_local()
        base = self.base(self.state.base_revision)
        delta = diff(base, local)
        if delta is None:
            return "done"
        self.report.pushed = summarize(base, local)
        if self.options.dry_run:
            return "done"
        entry = self.new_entry(self.state.base_revision, delta, self.report.pushed.count)
        self.save()
        return self.deliver(entry)

    def finish(self) -> SyncReport:
        """The report: counts from the state, what changed in plan.json, the outcome and its message."""
        report, state = self.report, self.state
        report.base_revision, report.queued, report.failed = state.base_revision, len(state.pending), len(state.failed)
        report.conflicts = report.conflicts if self.options.dry_run else len(state.conflicts.items) \
            if state.conflicts else 0
        if self.first_local is not None and self.last_local is not None:
            pulled = summarize(self.first_local, self.last_local)
            report.pulled = pulled if pulled.count else None
        if report.outcome == "queued":
            return report
        report.outcome, report.message = _outcome(report, state, self.options)
        return report


def _outcome(report: SyncReport, state: SyncState, options: SyncOptions) -> tuple[Any, str]:
    at = f"revision {report.remote_revision if report.remote_revision is not None else state.base_revision}"
    if state.conflicts is not None:
        count = len(state.conflicts.items)
        return "conflicts", (f"{count} conflict{'s' if count != 1 else ''} with server revision "
                             f"{state.conflicts.against}: list them with `br conflicts`, settle them with `br resolve`")
    if options.dry_run:
        return "dry_run", f"dry run against {at}: nothing was changed"
    if state.failed:
        return "failed", (f"the server refused the change: {state.failed[0].last_error}; fix the plan, then run "
                          "`br sync --retry-failed`")
    pulled = report.pulled.count if report.pulled else 0
    if report.revisions_created or pulled:
        pushed = f", pushed {report.pushed.count}" if report.pushed and report.revisions_created else ""
        return "synced", f"synced {state.link.project} at {at}: pulled {pulled} change{'s' if pulled != 1 else ''}" \
                         f"{pushed}"
    return "up_to_date", f"{state.link.project} is up to date at {at}"
