"""The quick check's queries (see ``_quick``): the chain checked inside the database, and the few entry hashes the
checkpoints need.

:func:`scan_chain` sends no entry to Python as a row: the database recomputes every entry hash, compares every link
and counts the rows, and answers with the count and the first suspect.

- PostgreSQL hashes with its built-in ``sha256`` over the canonical body it builds (``_sql.PG_BODY``) in
  ``SCAN_PARTS`` ranges at once, and checks every link with ``lag(hash)`` in one more query, each on a backend (and
  connection) of its own.
- SQLite calls back into ``hashlib`` row by row (``app.domain.audit._chain_scan``). That is Python code, which
  threads would take turns at, so a large ledger in a file is scanned by ``SCAN_PARTS`` worker processes, each on
  a read-only connection of its own; a small one (or one in memory) on the session's connection.

Connections of their own see what is committed: entries the session appended and has not committed yet make the
row count differ, and the full walk (on the session) decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import weakref
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.domain.audit import _chain_scan as chain_scan
from app.domain.audit.services._sql import PG_BODY, driver_of

__all__ = ["SCAN_PARTS", "checkpoint_hashes", "scan_chain"]

SCAN_PARTS: Final = 2
# PostgreSQL checks hashes and links in separate queries: the window function that gives each row the hash of the row
# before copies every row it passes, and costs a third of the scan when the rows carry their bodies.
# Entries lo < seq <= hi: (rows, first whose hash is wrong). Gaps show in the row count.
_PG_HASHES: Final = (
    f"SELECT count(*), min(seq) FILTER (WHERE sha256(prev_hash || {PG_BODY}) <> hash) "  # noqa: S608  (constants)
    "FROM audit_entry WHERE seq > $1 AND seq <= $2"
)
# Entries lo < seq <= hi: the first whose link is wrong. The first entry links to row lo when it is stored, else to
# $3 (the genesis hash; NULL after a prune, where its predecessor is gone: anything).
_PG_LINKS: Final = (
    "SELECT min(seq) FILTER (WHERE seq > $1 AND prev_hash <> coalesce(before, $3, prev_hash)) "
    "FROM (SELECT seq, prev_hash, lag(hash) OVER (ORDER BY seq) AS before "
    "FROM audit_entry WHERE seq >= $1 AND seq <= $2) AS entries"
)
# A checkpoint of n entries needs entry n (the signed chain head) and the entries after the last complete tile.
# PostgreSQL sends them one row per checkpoint (a row per entry would cost more to decode than to hash): the count,
# whether each is 32 bytes, and the hashes concatenated in order.
_PG_CHECKPOINT_HASHES: Final = (
    "SELECT c.n, count(e.seq), coalesce(bool_and(length(e.hash) = 32), true), "
    "coalesce(string_agg(e.hash, ''::bytea ORDER BY e.seq), ''::bytea) FROM unnest($1::bigint[]) AS c(n) "
    "LEFT JOIN audit_entry AS e ON e.seq > c.n - greatest(c.n % 256, 1) AND e.seq <= c.n GROUP BY c.n"
)
_SQLITE_CHECKPOINT_HASHES: Final = (
    "SELECT e.seq, e.hash FROM json_each(?) AS c JOIN audit_entry AS e "
    "ON e.seq > c.value - max(c.value % 256, 1) AND e.seq <= c.value"
)
# PostgreSQL plans these well in a transaction of their own: lag() fed in primary-key order (a table without
# statistics yet, e.g. right after a bulk import, is otherwise sorted on disk), and no JIT compilation, which costs
# more than it saves on a one-off aggregate.
_PG_PLANNING: Final = ("SET LOCAL enable_sort = off", "SET LOCAL jit = off")
_registered: weakref.WeakSet[Any] = weakref.WeakSet()  # SQLite connections that have the function
PROCESS_SCAN_MIN: Final = 200_000  # entries below which starting worker processes costs more than it saves


async def _sqlite_scan(db: AsyncSession, lo: int, hi: int, genesis: bytes | None) -> tuple[Any, ...]:
    """In this process, on the session's connection."""
    driver = await driver_of(await db.connection())
    if driver not in _registered:
        await driver.create_function(chain_scan.FUNCTION, chain_scan.FUNCTION_ARGS, chain_scan.entry_ok)
        _registered.add(driver)
    scan = chain_scan.begin_scan(lo, genesis)
    try:
        async with driver.execute(chain_scan.SCAN, (lo, hi, scan)) as cursor:
            return tuple(await cursor.fetchone())
    finally:
        chain_scan.end_scan(scan)


async def _sqlite_worker(database: str, lo: int, hi: int, genesis: str) -> tuple[int, int | None]:
    """In a worker process of its own (the hashing is Python code, which threads would take turns at)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.domain.audit._chain_scan", database, str(lo), str(hi), genesis,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await process.communicate()
    finally:  # cancelled (the request went away): the scan is of no use to anyone
        if process.returncode is None:
            process.kill()
    if process.returncode != 0:
        raise RuntimeError(f"the audit chain scan worker failed: {err.decode(errors='replace').strip()}")
    rows, suspect = out.split()
    return int(rows), None if suspect == b"-" else int(suspect)


async def _sqlite_parts(db: AsyncSession, lo: int, hi: int, genesis: bytes | None,
                        processes: bool | None) -> list[tuple[Any, ...]]:
    database = (await db.connection()).engine.url.database
    if processes is None:
        processes = hi - lo >= PROCESS_SCAN_MIN
    if not processes or not database or database == ":memory:":
        return [await _sqlite_scan(db, lo, hi, genesis)]
    first = "-" if genesis is None else genesis.hex()
    try:  # a later range links to the stored last entry of the range before it, which that range counts
        return list(await asyncio.gather(*(_sqlite_worker(database, start, end, first if start == lo else "row")
                                           for start, end in _ranges(lo, hi))))
    except (OSError, RuntimeError):  # no worker processes here (a sandbox, a frozen build): scan in this process
        return [await _sqlite_scan(db, lo, hi, genesis)]


def _ranges(lo: int, hi: int) -> list[tuple[int, int]]:
    """``(lo, hi]`` in ``SCAN_PARTS`` ranges."""
    step = max(1, -(-(hi - lo) // SCAN_PARTS))
    return [(start, min(start + step, hi)) for start in range(lo, hi, step)]


def _split32(joined: bytes) -> list[bytes]:
    view = memoryview(joined)
    return [bytes(view[start:start + 32]) for start in range(0, len(joined), 32)]


@contextlib.asynccontextmanager
async def _pg_reader(engine: AsyncEngine) -> AsyncIterator[Any]:
    """An asyncpg connection of its own (see ``_PG_PLANNING``); its transaction ends, settings and all, on exit."""
    async with engine.connect() as own:
        for setting in _PG_PLANNING:
            await own.exec_driver_sql(setting)
        yield await driver_of(own)


async def _pg_hashes(engine: AsyncEngine, lo: int, hi: int) -> tuple[Any, ...]:
    async with _pg_reader(engine) as driver:
        return tuple(await driver.fetchrow(_PG_HASHES, lo, hi))


async def _pg_links(engine: AsyncEngine, lo: int, hi: int, genesis: bytes | None) -> tuple[Any, ...]:
    async with _pg_reader(engine) as driver:
        return 0, await driver.fetchval(_PG_LINKS, lo, hi, genesis)  # rows are counted by the hash queries


async def scan_chain(db: AsyncSession, lo: int, hi: int, genesis: bytes | None, *,
                     processes: bool | None = None) -> tuple[int, int | None]:
    """Check entries ``lo < seq <= hi`` in the database: ``(rows found, first seq whose hash or link is wrong)``.

    Args:
        db: the session (its connection tells the database).
        lo: the last entry before the range.
        hi: the last entry of the range.
        genesis: what the entry after ``lo`` must link to when entry ``lo`` is not stored (``None``: anything).
        processes: SQLite: scan in worker processes (``None``: when the range has ``PROCESS_SCAN_MIN`` entries).
    """
    connection = await db.connection()
    if connection.dialect.name == "postgresql":  # the hashes in SCAN_PARTS ranges, the links in one
        engine = connection.engine
        found = list(await asyncio.gather(_pg_links(engine, lo, hi, genesis),
                                          *(_pg_hashes(engine, start, end) for start, end in _ranges(lo, hi))))
    else:
        found = await _sqlite_parts(db, lo, hi, genesis, processes)
    suspects = [int(suspect) for _, suspect in found if suspect is not None]
    return sum(int(rows) for rows, _ in found), min(suspects, default=None)


async def checkpoint_hashes(db: AsyncSession, sizes: Sequence[int]) -> dict[int, bytes]:
    """Entry hashes by seq: for each checkpoint size ``n``, entry ``n`` and the entries after the last complete
    tile (256 entries) before it."""
    connection = await db.connection()
    if connection.dialect.name == "postgresql":
        async with _pg_reader(connection.engine) as driver:
            found = await driver.fetch(_PG_CHECKPOINT_HASHES, list(sizes))
        hashes: dict[int, bytes] = {}
        for size, count, whole, joined in found:
            if whole and count == max(size % 256, 1) and len(joined) == 32 * count:  # else the checkpoint fails
                hashes.update(zip(range(size - count + 1, size + 1), _split32(joined), strict=True))
        return hashes
    else:
        driver = await driver_of(connection)
        async with driver.execute(_SQLITE_CHECKPOINT_HASHES, (json.dumps(list(sizes)),)) as cursor:
            rows = await cursor.fetchall()
    return {int(seq): bytes(digest) for seq, digest in rows}
