"""SQLite's half of the quick chain scan (``services._scan``), importable without the rest of the app: a worker
process runs it as ``python -m app.domain.audit._chain_scan DATABASE LO HI GENESIS`` and prints ``ROWS SUSPECT``.

A function registered on the connection gets each row's stored bytes as BLOBs (nothing decoded or re-encoded on the
way), in primary-key order, and checks in one call the sequence number, the link to the row before and the hash
over the text encoding, the one SQLite writes (an entry in another encoding is a suspect: the full walk decides).
Its state (the row before) lives here, keyed by scan, so a connection registers it once: SQLite refuses to redefine
a function while one of its statements runs. Should SQLite ever visit the rows in another order, the links fail and
the full walk decides: never a false pass.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import sys
from pathlib import Path
from typing import Any, Final, Literal

__all__ = ["FUNCTION", "SCAN", "begin_scan", "end_scan", "entry_ok", "scan_file"]

FUNCTION: Final = "br_audit_entry_ok"
FUNCTION_ARGS: Final = 11
# Entries lo < seq <= hi (?1, ?2) of scan ?3: (rows, first suspect seq or NULL).
SCAN: Final = (
    f"SELECT count(*), min(CASE WHEN {FUNCTION}(?3, seq, prev_hash, hash, CAST(seq AS BLOB), "  # noqa: S608
    "CAST(created_at AS BLOB), CAST(coalesce(lower(hex(organization_id)), '') AS BLOB), CAST(actor AS BLOB), "
    "CAST(action AS BLOB), CAST(target AS BLOB), CAST(payload AS BLOB)) AND encoding = 1 THEN NULL ELSE seq END) "
    "FROM audit_entry WHERE seq > ?1 AND seq <= ?2"
)
_SEPARATOR: Final = b"\x1f"
_sha256 = hashlib.sha256
_scans: dict[int, list[Any]] = {}  # scan id -> [previous seq, previous hash or None: anything]
_scan_ids = itertools.count()


def begin_scan(lo: int, genesis: object) -> int:
    """A new scan whose first entry is ``lo + 1`` and links to ``genesis`` (a hash; ``None``: anything); its id."""
    scan = next(_scan_ids)
    _scans[scan] = [lo, genesis]
    return scan


def end_scan(scan: int) -> None:
    """Forget a scan's state."""
    _scans.pop(scan, None)


def entry_ok(scan: int, seq: object, prev_hash: object, digest: object, *fields: bytes) -> bool:
    """The registered function, row by row in seq order: does this entry follow the previous one and match its hash?"""
    state = _scans[scan]
    last_seq, last_hash = state
    state[0], state[1] = seq, digest
    try:  # an exception would abort the query: a value of the wrong type (text in seq, a NULL field) is just bad
        if seq != last_seq + 1 or (last_hash is not None and prev_hash != last_hash):
            return False
        return _sha256(prev_hash + _SEPARATOR.join(fields)).digest() == digest  # type: ignore[operator]
    except TypeError:
        return False


def scan_file(database: str, lo: int, hi: int, genesis: bytes | Literal["row"] | None) -> tuple[int, int | None]:
    """Scan entries ``lo < seq <= hi`` of the SQLite file ``database``, read-only: ``(rows, first suspect)``.

    The first entry links to ``genesis``: a hash, ``None`` for anything, or ``"row"`` for the stored entry ``lo``
    (a range after the first: when that entry is missing, the range before it counts one row short).
    """
    connection = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        link = genesis
        if genesis == "row":
            found = connection.execute("SELECT hash FROM audit_entry WHERE seq = ?", (lo,)).fetchone()
            link = None if found is None else found[0]
        connection.create_function(FUNCTION, FUNCTION_ARGS, entry_ok)
        scan = begin_scan(lo, link)
        try:
            rows, suspect = connection.execute(SCAN, (lo, hi, scan)).fetchone()
        finally:
            end_scan(scan)
    finally:
        connection.close()
    return int(rows), None if suspect is None else int(suspect)


def main(argv: list[str]) -> int:
    """``DATABASE LO HI GENESIS`` (hex, ``-`` for none, or ``row``) → prints ``ROWS SUSPECT`` (``-`` for none)."""
    database, lo, hi, genesis = argv
    link: bytes | Literal["row"] | None = "row" if genesis == "row" else None
    if genesis not in {"-", "row"}:
        link = bytes.fromhex(genesis)
    rows, suspect = scan_file(database, int(lo), int(hi), link)
    sys.stdout.write(f"{rows} {'-' if suspect is None else suspect}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
