"""What differs between SQLite and PostgreSQL: the append lock, and the entry body built by the database itself.

The full verification walk reads ``(seq, prev_hash, hash, body)`` with ``body`` concatenated by the database from
the stored columns in the canonical form of :mod:`app.domain.audit.encoding`: one bytes value per entry, fetched in
batches through the driver (no ORM objects, no SQLAlchemy rows), so the loop that checks them stays tight. (The
quick check's queries are in ``_scan``.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.domain.audit.encoding import BINARY, TEXT, time_text

__all__ = [
    "PG_BODY",
    "Batch",
    "EntryRow",
    "dialect_of",
    "driver_of",
    "encoding_for",
    "fetch_entries",
    "insert_entries",
    "lock_ledger",
    "read_head",
    "stored_nodes",
]

# Any constant works; this one spells "BRAUDIT" so that pg_locks shows whose it is.
ADVISORY_LOCK_KEY: Final = 0x42_52_41_55_44_49_54
Batch = list[tuple[int, bytes, bytes, bytes]]
EntryRow = tuple[int, datetime, UUID | None, str, str, str, str, bytes, bytes, int]
_HEAD: Final = "SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1"
_CHECKPOINT_HEAD: Final = "SELECT tree_size, head_hash FROM audit_checkpoint ORDER BY tree_size DESC LIMIT 1"
_SQLITE_INSERT: Final = ("INSERT INTO audit_entry (seq, created_at, organization_id, actor, action, target, payload, "
                         "prev_hash, hash, encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_PG_INSERT: Final = ("INSERT INTO audit_entry (seq, created_at, organization_id, actor, action, target, payload, "
                     "prev_hash, hash, encoding) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")

# The canonical body of the row in scope, in its encoding (``encoding``): SQLite only writes the text encoding, and
# gives any other an empty body (which no hash matches); PostgreSQL builds both. ``textsend`` gives the text in the
# client encoding, which asyncpg always sets to UTF-8, without ``convert_to``'s validation pass (a tenth of the scan).
_SQLITE_BODY: Final = (
    "CASE encoding WHEN 1 THEN CAST(seq || char(31) || created_at || char(31) || "
    "coalesce(lower(hex(organization_id)), '') || char(31) || actor || char(31) || action || char(31) || target || "
    "char(31) || payload AS BLOB) ELSE x'' END"
)
PG_BODY: Final = (
    "CASE encoding WHEN 2 THEN int8send(seq) || timestamptz_send(created_at) || "
    "coalesce('\\x01'::bytea || uuid_send(organization_id), '\\x00'::bytea) || "
    "textsend(actor || chr(31) || action || chr(31) || target || chr(31) || payload) "
    "WHEN 1 THEN convert_to(seq::text || chr(31) || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') "
    "|| chr(31) || coalesce(replace(organization_id::text, '-', ''), '') || chr(31) || actor || chr(31) || action || "
    "chr(31) || target || chr(31) || payload, 'UTF8') ELSE '\\x'::bytea END"
)
_SQLITE_BATCH: Final = (f"SELECT seq, prev_hash, hash, {_SQLITE_BODY} FROM audit_entry "  # noqa: S608  (constants)
                        "WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
_PG_BATCH: Final = (f"SELECT seq, prev_hash, hash, {PG_BODY} FROM audit_entry "  # noqa: S608  (constants)
                    "WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3")


_NODES: Final = "SELECT level, idx, hash FROM audit_node"


def encoding_for(dialect: str) -> int:
    """The body encoding appends use on ``dialect``: the one its database rebuilds fastest."""
    return BINARY if dialect == "postgresql" else TEXT


async def dialect_of(db: AsyncSession) -> str:
    """``sqlite`` or ``postgresql``."""
    return (await db.connection()).dialect.name


async def driver_of(connection: AsyncConnection) -> Any:
    """The driver's own connection under ``connection`` (aiosqlite or asyncpg)."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def lock_ledger(db: AsyncSession) -> None:
    """Serialize appends until the transaction ends: the chain must have one head.

    PostgreSQL: a transaction-scoped advisory lock. SQLite allows one writer at a time, but a transaction that has
    only read holds no lock yet, so one that has not written starts with ``BEGIN IMMEDIATE``: the head is then read
    under the write lock it will append with.
    """
    connection = await db.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        return
    driver = await driver_of(connection)
    if not driver.in_transaction:
        cursor = await driver.execute("BEGIN IMMEDIATE")
        await cursor.close()


async def read_head(db: AsyncSession) -> tuple[int, int | None, bytes | None]:
    """``(0, seq, hash)`` of the last entry, else ``(1, tree_size, head_hash)`` of the last checkpoint, else
    ``(2, None, None)``."""
    connection = await db.connection()
    driver = await driver_of(connection)
    for source, query in enumerate((_HEAD, _CHECKPOINT_HEAD)):
        if connection.dialect.name == "postgresql":
            row = await driver.fetchrow(query)
        else:
            async with driver.execute(query) as cursor:
                row = await cursor.fetchone()
        if row is not None:
            return source, int(row[0]), bytes(row[1])
    return 2, None, None


async def insert_entries(db: AsyncSession, rows: list[EntryRow]) -> None:
    """Insert entries through the driver, converting values as the column types do (see ``AuditEntry``)."""
    connection = await db.connection()
    driver = await driver_of(connection)
    if connection.dialect.name == "postgresql":
        if len(rows) == 1:  # asyncpg's executemany costs twice a plain execute for one row
            await driver.execute(_PG_INSERT, *rows[0])
        else:
            await driver.executemany(_PG_INSERT, rows)
        return
    # SQLite: DateTimeUTC is stored as text in this form, GUID as its 16 bytes.
    converted = [(seq, time_text(created), None if org is None else org.bytes, *rest)
                 for seq, created, org, *rest in rows]
    await driver.executemany(_SQLITE_INSERT, converted)


async def fetch_entries(db: AsyncSession, after: int, through: int, limit: int) -> Batch:
    """Entries with ``after < seq <= through`` in order, at most ``limit``, as ``(seq, prev_hash, hash, body)``."""
    connection = await db.connection()
    driver = await driver_of(connection)
    if connection.dialect.name == "postgresql":
        return cast(Batch, await driver.fetch(_PG_BATCH, after, through, limit))
    async with driver.execute(_SQLITE_BATCH, (after, through, limit)) as cursor:
        return cast(Batch, await cursor.fetchall())


async def stored_nodes(db: AsyncSession) -> dict[tuple[int, int], bytes]:
    """Every stored subtree hash by ``(level, index)`` (one row per 128 entries: 8,000 rows for a million)."""
    connection = await db.connection()
    driver = await driver_of(connection)
    if connection.dialect.name == "postgresql":
        rows = await driver.fetch(_NODES)
    else:
        async with driver.execute(_NODES) as cursor:
            rows = await cursor.fetchall()
    return {(int(level), int(index)): bytes(digest) for level, index, digest in rows}
