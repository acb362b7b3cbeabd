"""`br sync` (pull, merge, push) and `br queue status` (the outbox)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from buildrunner.cli._output import emit_json, workspace
from buildrunner.sync.state import SyncStore


def run(args: argparse.Namespace) -> int:
    """Sync the plan with the linked server project; the exit code says how it went (docs/cli.md)."""
    from buildrunner.sync.engine import SyncEngine  # noqa: PLC0415  (loads httpx and the merge)
    from buildrunner.sync.report import SyncOptions  # noqa: PLC0415

    options = SyncOptions(pull=not args.push, push=not args.pull, dry_run=args.dry_run,
                          retry_failed=args.retry_failed, message=args.message, policy=args.policy)
    report = SyncEngine(workspace(args)).run(options)
    if args.json:
        emit_json(report)
        return report.exit_code
    lines = [report.message]
    if report.policy not in (None, "in_sync"):
        lines.append(report.policy_message)
    if report.dry_run:
        lines += _dry_run_lines(report.pulled, "plan.json would change")
        lines += _dry_run_lines(report.pushed, f"the server ({report.project}) would get")
        if report.queued:
            lines.append(f"  and {report.queued} queued change{'s' if report.queued != 1 else ''} would be sent")
    print("\n".join(lines))
    return report.exit_code


def _dry_run_lines(changes: object, title: str) -> list[str]:
    from buildrunner.sync.changes import Changes  # noqa: PLC0415

    if not isinstance(changes, Changes) or not changes.count:
        return [f"  {title}: nothing"]
    return [f"  {title}:"] + [f"    {line}" for line in changes.describe()]


def queue_status(args: argparse.Namespace) -> int:
    """Show the outbox: pending and refused pushes, their attempts and errors, and the circuit breaker."""
    state = SyncStore(workspace(args)).load_linked()
    breaker = state.breaker
    retry_at = None
    if breaker.mode == "open":
        from buildrunner.governance import load_policy  # noqa: PLC0415

        cooldown = load_policy(workspace(args).policy_path).circuit_breaker.cooldown_ms
        retry_at = datetime.fromtimestamp((breaker.opened_at_ms + cooldown) / 1000, UTC).replace(microsecond=0) \
            .isoformat().replace("+00:00", "Z")
    if args.json:
        emit_json({"server": state.link.server, "project": state.link.project, "entries": state.outbox,
                   "circuit": {"state": breaker.mode, "failures": breaker.failures, "retry_at": retry_at},
                   "last_contact": state.last_contact})
        return 0
    lines = [f"outbox of {state.link.project} on {state.link.server}: {len(state.pending)} pending, "
             f"{len(state.failed)} refused"]
    for entry in state.outbox:
        status = "refused" if entry.failed else "pending"
        lines.append(f"  {entry.key[:8]}  {status}  {entry.changes} change{'s' if entry.changes != 1 else ''} "
                     f"against revision {entry.base_revision}, queued {entry.created_at}, {entry.attempts} attempt"
                     f"{'s' if entry.attempts != 1 else ''}")
        if entry.last_error:
            lines.append(f"            last error: {entry.last_error}")
        if entry.failed:
            lines.append("            fix the plan, then `br sync --retry-failed` sends it again")
        elif entry.next_attempt_at:
            lines.append(f"            next retry: {max(entry.next_attempt_at, retry_at or '')} or at the next "
                         "`br sync`")
    circuit = f"circuit breaker {breaker.mode.replace('_', '-')}"
    if breaker.mode == "open":
        circuit += f" after {breaker.failures} failures: no call before {retry_at}"
    lines.append(circuit)
    print("\n".join(lines))
    return 0
