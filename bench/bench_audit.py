"""Audit ledger benchmarks on SQLite and PostgreSQL, each against a baseline measured in the same run.

1. **Append rate** (target ≥ 2,000 entries/s on each database), with the default checkpoint every 1,024 entries:
   ``record()`` many times in one transaction (how every action appends: its entries ride on the commit it makes
   anyway, so this is what the ledger costs it), and ``record_many()`` in committed batches of 1,000 (the batch
   API), which also fills the ledger used below. For scale, not judged against the target: ``record()``
   committing each entry on its own, next to its ceiling, a bare ``INSERT`` + ``COMMIT`` per transaction through
   the same kind of session (on PostgreSQL with ``synchronous_commit = on`` that ceiling is below 2,000/s here).
2. **Verification of ``--entries`` (default 1,000,000) entries** (target ≤ 10 s, and ≤ 3 times a bare hashlib pass over
   the same bytes in the same run): ``verify_ledger`` as ``br-server audit verify`` runs it, against two baselines
   computed from the same entry bytes held in memory (fetched once, untimed): **hashlib/entries**, one
   ``sha256(prev_hash + body)`` per entry, the chain alone; and **hashlib/all**, every hash verification computes
   (the entry hashes, the RFC 9162 leaf hashes and the n - 1 interior nodes of the Merkle tree); and, for scale,
   **stream + hashlib**: the same rows read from the database the way the full walk reads them, each entry hashed
   and nothing else checked. Rounds interleave them; the figure is the median. ``verify_ledger`` runs its quick
   check (the chain recomputed inside the database: PostgreSQL's ``sha256`` on two backends, SQLite's callback into
   hashlib in two worker processes; checkpoints from the stored subtrees) and walks every entry only when that
   fails; the walk itself (``--full``, what naming the first bad entry of a bad ledger costs) is timed once.
3. **Inclusion proofs** in the ledger of ``--entries``: checking one (``merkle.verify_inclusion``, pure; target
   ≤ 5 ms) and making one from the database (``inclusion_proof``: stored subtrees plus a tile of entry hashes).

Usage::

    uv run python bench/bench_audit.py [--entries N] [--rounds R] [--no-postgres] [--strict]

PostgreSQL is ``BR_BENCH_POSTGRES_URL`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432``), on a temporary
database created and dropped by the bench. Results are printed and written to ``bench/results/audit.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from app.db import migrate  # noqa: E402
from app.db.config import create_engine  # noqa: E402
from app.domain.audit import merkle  # noqa: E402
from app.domain.audit.services import (  # noqa: E402
    DEFAULT_CHECKPOINT_EVERY,
    AuditEvent,
    LedgerConfig,
    configure,
    inclusion_proof,
    record,
    record_many,
    verify_ledger,
)
from app.domain.audit.services._sql import fetch_entries  # noqa: E402

RESULTS_PATH: Final = ROOT / "bench" / "results" / "audit.json"
POSTGRES: Final = os.environ.get("BR_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
APPEND_TARGET: Final = 2_000.0
VERIFY_TARGET_S: Final = 10.0
VERIFY_RATIO_TARGET: Final = 3.0
PROOF_TARGET_S: Final = 0.005
FILL_BATCH: Final = 1_000


@dataclass(frozen=True)
class BenchSettings:
    """What ``configure()`` reads: a throw-away key, the default checkpoint interval."""

    secret_key: str
    audit_checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    audit_retention_days: int | None = None


def _event(i: int) -> AuditEvent:
    """A realistic entry: a sign-in failure with an address, a reason and a user agent."""
    return AuditEvent(actor=f"user{i % 5000}@example.com", action="auth.login_failed", target="",
                      payload={"reason": "wrong_password", "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                               "attempt": i})


async def _timed(work: Callable[[], Awaitable[None]]) -> float:
    began = time.perf_counter()
    await work()
    return time.perf_counter() - began


async def appends(maker: async_sessionmaker[AsyncSession], singles: int, in_one: int) -> dict[str, float]:
    """Entries per second of ``record()`` committed one by one, and of ``record()`` repeated in one transaction."""
    async def one_by_one() -> None:
        async with maker() as db:
            for i in range(singles):
                await record(db, f"user{i}@example.com", "auth.login", payload={"user_agent": "bench"}, commit=True)

    async def one_transaction() -> None:
        async with maker() as db:
            for i in range(in_one):
                await record(db, f"user{i}@example.com", "auth.login", payload={"user_agent": "bench"})
            await db.commit()

    async def plain_commits() -> None:
        from sqlalchemy import text  # noqa: PLC0415

        async with maker() as db:
            await db.execute(text("CREATE TABLE IF NOT EXISTS bench_plain (n INTEGER, note TEXT)"))
            await db.commit()
            for i in range(singles):
                await db.execute(text("INSERT INTO bench_plain VALUES (:n, 'bench')"), {"n": i})
                await db.commit()

    return {"plain_insert_commit_per_s": singles / await _timed(plain_commits),
            "record_commit_each_per_s": singles / await _timed(one_by_one),
            "record_one_transaction_per_s": in_one / await _timed(one_transaction)}


async def fill(maker: async_sessionmaker[AsyncSession], total: int) -> float:
    """Append up to ``total`` entries with ``record_many`` in committed batches; returns entries per second."""
    async with maker() as db:
        from sqlalchemy import func, select  # noqa: PLC0415

        from app.db.models import AuditEntry  # noqa: PLC0415

        have = int(await db.scalar(select(func.count()).select_from(AuditEntry)) or 0)
        began, done = time.perf_counter(), 0
        while have + done < total:
            size = min(FILL_BATCH, total - have - done)
            await record_many(db, [_event(done + i) for i in range(size)])
            await db.commit()
            done += size
            if done % 100_000 < FILL_BATCH:
                print(f"    {have + done:,} entries", flush=True)
        return done / (time.perf_counter() - began)


async def entry_bytes(db: AsyncSession, total: int) -> list[bytes]:
    """``prev_hash + body`` of every entry, as verification hashes them (fetched once, outside any timing)."""
    found: list[bytes] = []
    after = 0
    while rows := await fetch_entries(db, after, total, 50_000):
        found.extend(bytes(prev) + bytes(body) for _, prev, _, body in rows)
        after = rows[-1][0]
    return found


def hashlib_entries(data: list[bytes]) -> float:
    """Baseline 1: one SHA-256 per entry over the bytes verification hashes for the chain."""
    sha = hashlib.sha256
    began = time.perf_counter()
    for item in data:
        sha(item).digest()
    return time.perf_counter() - began


def hashlib_all(data: list[bytes]) -> float:
    """Baseline 2: every SHA-256 verification computes: entries, leaves, and the tree's interior nodes."""
    sha = hashlib.sha256
    began = time.perf_counter()
    level = [sha(b"\x00" + sha(item).digest()).digest() for item in data]
    while len(level) > 1:
        pairs = iter(level)
        merged = [sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)]
        level = merged + level[len(merged) * 2:]  # an odd last node is carried up, as in the RFC tree
    return time.perf_counter() - began


async def fetch_and_hash(db: AsyncSession, total: int) -> float:
    """Baseline 3: stream the same rows from the database as verification does and hash each entry, nothing else."""
    sha = hashlib.sha256
    began, after = time.perf_counter(), 0
    while rows := await fetch_entries(db, after, total, 1 << 14):
        for _, prev, _, body in rows:
            sha(prev + body).digest()
        after = rows[-1][0]
    return time.perf_counter() - began


async def verification(maker: async_sessionmaker[AsyncSession], config: LedgerConfig, total: int,
                       rounds: int) -> dict[str, Any]:
    """Median verify time against both baselines, interleaved over ``rounds``."""
    assert config.signer is not None
    async with maker() as db:
        data = await entry_bytes(db, total)
    samples: dict[str, list[float]] = {"verify_s": [], "hashlib_entries_s": [], "hashlib_all_s": [],
                                       "fetch_hashlib_entries_s": []}
    report = None
    for _ in range(rounds):
        gc.collect()
        samples["hashlib_entries_s"].append(hashlib_entries(data))
        samples["hashlib_all_s"].append(hashlib_all(data))
        async with maker() as db:
            samples["fetch_hashlib_entries_s"].append(await fetch_and_hash(db, total))
        async with maker() as db:
            began = time.perf_counter()
            report = await verify_ledger(db, config.signer)
            samples["verify_s"].append(time.perf_counter() - began)
        assert report.ok and report.entries == total, report
    async with maker() as db:
        began = time.perf_counter()
        walked = await verify_ledger(db, config.signer, full=True)
        full_s = time.perf_counter() - began
    assert walked.ok and walked.entries == total, walked
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        **{name: round(value, 3) for name, value in medians.items()},
        "verify_full_s": round(full_s, 3),
        "ratio_full_to_hashlib_entries": round(full_s / medians["hashlib_entries_s"], 2),
        "samples": samples, "entries": total, "bytes": sum(map(len, data)),
        "checkpoints": report.checkpoints if report else 0,
        "ratio_to_hashlib_entries": round(medians["verify_s"] / medians["hashlib_entries_s"], 2),
        "ratio_to_hashlib_all": round(medians["verify_s"] / medians["hashlib_all_s"], 2),
        "ratio_to_fetch_hashlib_entries": round(medians["verify_s"] / medians["fetch_hashlib_entries_s"], 2),
    }


async def proofs(maker: async_sessionmaker[AsyncSession], total: int, count: int = 200) -> dict[str, float]:
    """Median time to check a proof (pure) and to make one from the database, for random entries."""
    picks = random.Random(9162).sample(range(1, total + 1), min(count, total))
    made, checked = [], []
    async with maker() as db:
        for seq in picks:
            began = time.perf_counter()
            proof = await inclusion_proof(db, seq)
            made.append(time.perf_counter() - began)
            path = [bytes.fromhex(node) for node in proof.path]
            leaf, root = bytes.fromhex(proof.leaf_hash), bytes.fromhex(proof.checkpoint.root_hash)
            began = time.perf_counter()
            ok = merkle.verify_inclusion(seq - 1, proof.tree_size, leaf, path, root)
            checked.append(time.perf_counter() - began)
            assert ok, seq
    return {"check_median_s": statistics.median(checked), "check_max_s": max(checked),
            "make_median_s": statistics.median(made), "path_length": len(path)}


async def bench_database(name: str, url: str, args: argparse.Namespace, config: LedgerConfig) -> dict[str, Any]:
    """Every figure on one database."""
    print(f"\n{name}: migrating {url.rsplit('@', maxsplit=1)[-1]}", flush=True)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, pooled=True)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    try:
        print("  appends", flush=True)
        result: dict[str, Any] = await appends(maker, args.singles, args.in_one)
        print(f"  filling the ledger to {args.entries:,} entries with record_many", flush=True)
        result["record_many_per_s"] = await fill(maker, args.entries)
        async with maker() as db:  # the last batch may have stopped short of a checkpoint: sign the tail
            from app.domain.audit.services import create_checkpoint, lock_ledger  # noqa: PLC0415

            await lock_ledger(db)
            assert config.signer is not None
            await create_checkpoint(db, config.signer)
            await db.commit()
        print("  verifying", flush=True)
        result["verify"] = await verification(maker, config, args.entries, args.rounds)
        print("  proofs", flush=True)
        result["proofs"] = await proofs(maker, args.entries)
    finally:
        await engine.dispose()
    return result


async def _postgres_database(statement: str) -> None:
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _row(label: str, value: str, target: str, passed: bool | None) -> str:
    verdict = "" if passed is None else ("PASS" if passed else "FAIL")
    return f"| {label} | {value} | {target} | {verdict} |"


def table(results: dict[str, dict[str, Any]]) -> tuple[list[str], bool]:
    """The figures as a Markdown table, and whether every target was met."""
    lines = ["| benchmark | figure | target | result |", "|---|---:|---|---|"]
    ok = True
    for name, figures in results.items():
        lines.append(_row(f"{name}: baseline, a bare INSERT + COMMIT per transaction (no ledger)",
                          f"{figures['plain_insert_commit_per_s']:,.0f} /s", "", None))
        each = figures["record_commit_each_per_s"]
        lines.append(_row(f"{name}: record(), one commit each: the commit's rate, not the ledger's (÷ bare commit)",
                          f"{each:,.0f} entries/s ({each / figures['plain_insert_commit_per_s']:.2f} ×)", "", None))
        for key, label in (("record_one_transaction_per_s", "record(), one transaction (how actions append)"),
                           ("record_many_per_s", "record_many(), batches of 1,000")):
            rate = figures[key]
            passed = rate >= APPEND_TARGET
            ok &= passed
            lines.append(_row(f"{name}: {label}", f"{rate:,.0f} entries/s", "≥ 2,000/s", passed))
        verify = figures["verify"]
        fast = verify["verify_s"] <= VERIFY_TARGET_S
        ok &= fast
        lines.append(_row(f"{name}: verify {verify['entries']:,} entries ({verify['checkpoints']} checkpoints)",
                          f"{verify['verify_s']:.2f} s", "≤ 10 s", fast))
        lines.append(_row(f"{name}: baseline hashlib, entries only", f"{verify['hashlib_entries_s']:.2f} s", "",
                          None))
        lines.append(_row(f"{name}: baseline hashlib, every hash verify computes", f"{verify['hashlib_all_s']:.2f} s",
                          "", None))
        within = verify["ratio_to_hashlib_entries"] <= VERIFY_RATIO_TARGET
        ok &= within
        lines.append(_row(f"{name}: baseline, the same rows streamed from the database + hashlib per entry",
                          f"{verify['fetch_hashlib_entries_s']:.2f} s", "", None))
        lines.append(_row(f"{name}: verify / hashlib entries only", f"{verify['ratio_to_hashlib_entries']:.2f} ×",
                          "≤ 3 ×", within))
        lines.append(_row(f"{name}: verify / hashlib every hash", f"{verify['ratio_to_hashlib_all']:.2f} ×", "",
                          None))
        full = f"{verify['verify_full_s']:.2f} s ({verify['ratio_full_to_hashlib_entries']:.2f} ×)"
        lines.append(_row(f"{name}: verify --full (walk every entry, rebuild the tree: what naming a bad entry costs)",
                          full, "", None))
        lines.append(_row(f"{name}: verify / rows streamed + hashlib per entry",
                          f"{verify['ratio_to_fetch_hashlib_entries']:.2f} ×", "", None))
        proof = figures["proofs"]
        quick = proof["check_max_s"] <= PROOF_TARGET_S
        ok &= quick
        lines.append(_row(f"{name}: check an inclusion proof ({proof['path_length']} hashes), median / max",
                          f"{proof['check_median_s'] * 1e6:.0f} / {proof['check_max_s'] * 1e6:.0f} µs", "≤ 5 ms",
                          quick))
        lines.append(_row(f"{name}: make an inclusion proof from the database, median",
                          f"{proof['make_median_s'] * 1e3:.2f} ms", "", None))
    return lines, ok


async def main_async(args: argparse.Namespace) -> int:
    config = configure(BenchSettings(secret_key=secrets.token_hex(32)))
    results: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="br-audit-bench-") as tmp:
        results["SQLite"] = await bench_database("SQLite", f"sqlite+aiosqlite:///{tmp}/bench.db", args, config)
    if args.postgres:
        name = f"br_bench_audit_{secrets.token_hex(4)}"
        await _postgres_database(f'CREATE DATABASE "{name}"')
        try:
            results["PostgreSQL"] = await bench_database("PostgreSQL", f"{POSTGRES}/{name}", args, config)
        finally:
            await _postgres_database(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    load_after = os.getloadavg()[0]
    lines, ok = table(results)
    print("\n" + "\n".join(lines))
    print(f"\nload average (1 min) {load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} CPUs")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_1m": {"before": round(load_before, 2), "after": round(load_after, 2)}},
        "settings": {key: str(value) for key, value in vars(args).items()},
        "results": results,
    }, indent=2) + "\n")
    return 0 if ok or not args.strict else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger size to verify (default 1,000,000)")
    parser.add_argument("--singles", type=int, default=2_000, help="record() calls committed one by one")
    parser.add_argument("--in-one", type=int, default=10_000, help="record() calls in one transaction")
    parser.add_argument("--rounds", type=int, default=3, help="verification rounds (median)")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false", help="SQLite only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON results (default %(default)s)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
