"""``br-server audit``: verify the ledger, make a checkpoint, export it as JSON Lines, prune it (retention)."""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.audit.schemas import VerifyReport
from app.domain.audit.services import (
    AuditService,
    LedgerConfig,
    configure,
    export_ledger,
    prune_ledger,
    retention_cutoff,
)
from app.server.cli._commands import SYSTEM, CliError, _expected_errors, _in_session, _settings

__all__ = ["add_parser", "cmd_audit"]


def add_parser(sub: Any) -> None:
    """Declare ``audit verify|checkpoint|export|prune`` on the top-level subparsers."""
    audit = sub.add_parser("audit", help="the tamper-evident audit ledger").add_subparsers(
        dest="audit_command", required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="check every entry, link, checkpoint and signature (exit 1 if bad)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--full", action="store_true",
                        help="walk every entry and rebuild the whole Merkle tree even when the quick check passes")
    audit.add_parser("checkpoint", help="sign a checkpoint over every entry so far")
    export = audit.add_parser("export", help="write the ledger as JSON Lines")
    export.add_argument("--out", required=True, type=Path, help="the file to write (replaced atomically)")
    export.add_argument("--proofs", action="store_true",
                        help="make a checkpoint first and add each entry's inclusion proof against it")
    prune = audit.add_parser("prune", help="export, then remove, entries older than the retention period")
    prune.add_argument("--before", help="remove entries older than this date (YYYY-MM-DD, UTC); default: now "
                                        "minus BR_AUDIT_RETENTION_DAYS")
    prune.add_argument("--out", required=True, type=Path, help="where to export the removed entries first")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary file in the same directory, fsynced, then renamed into place."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise CliError(f"--out: the directory {directory} does not exist")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    finally:
        Path(temp).unlink(missing_ok=True)


def _date(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise CliError(f"--before: give a date as YYYY-MM-DD or an ISO 8601 time (got {raw!r})") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def describe(report: VerifyReport) -> str:
    """The verify report in words: one line when all is well, the problem on a second line otherwise."""
    span = f"entries {report.first_seq}-{report.last_seq}" if report.last_seq else "no entries"
    pruned = f", pruned through {report.pruned_through}" if report.pruned_through else ""
    summary = (f"{report.entries} entries checked ({span}{pruned}), {report.checkpoints} checkpoints "
               f"(latest covers {report.latest_checkpoint or 0}; {report.unsigned} entries after it), "
               f"{report.seconds:.2f} s")
    if report.ok:
        return f"OK: {summary}"
    problem = report.problem
    where = f"first bad entry {problem.seq}: " if problem and problem.seq else ""
    return f"FAILED: {where}{problem.message if problem else ''}\n  ({summary})"


def _run(config: LedgerConfig, url: str, work: Callable[[AsyncSession, AuditService], Awaitable[int]]) -> int:
    return _in_session(url, lambda db: work(db, AuditService(db, config.signer)))


@_expected_errors
def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify`` (exit 1 when the ledger is bad), ``checkpoint``, ``export`` and ``prune``."""
    settings = _settings()
    config = configure(settings)
    url = settings.database_url

    async def verify(_db: AsyncSession, audit: AuditService) -> int:
        report = await audit.verify(SYSTEM, full=args.full)
        print(msgspec.json.encode(report).decode() if args.json else describe(report))
        return 0 if report.ok else 1

    async def checkpoint(_db: AsyncSession, audit: AuditService) -> int:
        made = await audit.checkpoint(SYSTEM)
        print("the ledger is empty: nothing to sign" if made is None else
              f"checkpoint of {made.tree_size} entries: root {made.root_hash.hex()}, key {made.key_id}")
        return 0

    async def export(db: AsyncSession, audit: AuditService) -> int:
        if args.proofs:
            await audit.checkpoint(SYSTEM)
        with _atomic(args.out) as handle:
            count = await export_ledger(db, handle, audit.signer, proofs=args.proofs)
        print(f"exported {count} entries to {args.out}")
        return 0

    async def prune(db: AsyncSession, audit: AuditService) -> int:
        before = retention_cutoff(config.retention_days, _date(args.before))
        with _atomic(args.out) as handle:
            result = await prune_ledger(db, audit.signer, "system", before, handle)
        if result.through < result.first:
            print(f"nothing to prune: no checkpoint older than {before.isoformat()} covers unpruned entries")
        else:
            print(f"pruned entries {result.first}-{result.through} (exported to {args.out}); the checkpoint of "
                  f"{result.checkpoint_size} entries and every later one are kept")
        return 0

    actions = {"verify": verify, "checkpoint": checkpoint, "export": export, "prune": prune}
    return _run(config, url, actions[args.audit_command])
