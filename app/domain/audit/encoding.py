"""The ledger's canonical encodings: what an entry hash and a checkpoint signature cover. Pure functions.

An entry's hash is ``SHA-256(prev_hash || body)`` (``prev_hash``: 32 bytes, zeros for the first entry), and its body
has one of two encodings, each the one its database rebuilds from the stored columns fastest (``docs/audit.md`` has
the full description; the entry's ``encoding`` column says which)::

    1 (text; SQLite):       UTF-8( seq US time US org US actor US action US target US payload )      US = 0x1F
    2 (binary; PostgreSQL): int64 seq || int64 µs since 2000-01-01 UTC || org || UTF-8( actor US action US target
                            US payload )                                      (integers big-endian, two's complement)

- encoding 1: ``seq`` in decimal; ``time`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC (always six fraction digits,
  the precision both databases keep); ``org`` as 32 lowercase hex digits or empty for a global event;
- encoding 2: the fields as PostgreSQL's binary send functions write them: ``seq`` and the time are its ``int8``
  and ``timestamptz``; ``org`` is the byte 0x00 for a global event, else 0x01 and the 16 bytes of the UUID;
- ``actor``, ``action``, ``target`` never contain control characters (:func:`clean_text` replaces them), and
  ``payload`` is JSON (msgspec, keys sorted, no whitespace), which escapes them: so US only ever separates fields;
- no body of one encoding is a body of the other: an encoding-2 body starts with 0x00 (a ``seq`` below 2**56), an
  encoding-1 body with a decimal digit. So changing an entry's ``encoding`` changes the bytes its hash must match.

The databases build ``body`` from the stored columns themselves (``app.domain.audit.services._sql``), so
verification streams one value per entry; a test checks that they build exactly what :func:`entry_body` does.

Checkpoint (signed tree head): ``b"BR-AUDIT-STH-1\\n" || uint64 tree_size || uint64 time in µs since the epoch
|| root hash || head hash`` (big-endian), signed with Ed25519.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import msgspec

__all__ = [
    "BINARY",
    "GENESIS",
    "SEPARATOR",
    "TEXT",
    "canonical_payload",
    "checkpoint_message",
    "clean_text",
    "entry_body",
    "entry_hash",
    "time_text",
    "to_micros",
]

GENESIS: Final = bytes(32)
TEXT: Final = 1  # entry body encodings
BINARY: Final = 2
SEPARATOR: Final = "\x1f"
STH_PREFIX: Final = b"BR-AUDIT-STH-1\n"
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_JSON: Final = msgspec.json.Encoder(order="sorted")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_PG_EPOCH_MICROS: Final = 946_684_800_000_000  # 2000-01-01 UTC, PostgreSQL's epoch, in µs since the Unix epoch
_BINARY_HEAD: Final = struct.Struct(">qq")


def clean_text(value: str, limit: int) -> str:
    """``value`` without control characters (each becomes U+FFFD), cut to ``limit`` characters."""
    return _CONTROL.sub("\ufffd", value)[:limit]


def canonical_payload(payload: Mapping[str, Any] | None) -> str:
    """The payload as canonical JSON text: keys sorted, no whitespace, msgspec's number and string formatting.

    Raises:
        TypeError: for a value JSON cannot hold (a programming error of the caller, never user input).
    """
    try:
        return _JSON.encode(dict(payload or {})).decode()
    except msgspec.EncodeError as exc:
        raise TypeError(f"audit payload is not JSON-encodable: {exc}") from None


def time_text(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DD HH:MM:SS.ffffff`` (the form SQLite stores, and PostgreSQL can print)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def to_micros(moment: datetime) -> int:
    """Whole microseconds since the Unix epoch."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def entry_body(*, seq: int, created_at: datetime, organization_id: UUID | None, actor: str, action: str,
               target: str, payload: str, encoding: int = TEXT) -> bytes:
    """The canonical encoding of an entry's fields (the part of the hashed bytes after ``prev_hash``).

    Raises:
        ValueError: for an encoding other than ``TEXT`` and ``BINARY``.
    """
    if encoding == BINARY:
        org = b"\x00" if organization_id is None else b"\x01" + organization_id.bytes
        head = _BINARY_HEAD.pack(seq, to_micros(created_at) - _PG_EPOCH_MICROS)
        return head + org + SEPARATOR.join((actor, action, target, payload)).encode()
    if encoding != TEXT:
        raise ValueError(f"unknown audit entry encoding {encoding}")
    org_text = organization_id.hex if organization_id is not None else ""
    return SEPARATOR.join((str(seq), time_text(created_at), org_text, actor, action, target, payload)).encode()


def entry_hash(prev_hash: bytes, body: bytes) -> bytes:
    """The entry hash: SHA-256 over the previous entry's hash and this entry's canonical body."""
    return hashlib.sha256(prev_hash + body).digest()


def checkpoint_message(tree_size: int, created_at: datetime, root_hash: bytes, head_hash: bytes) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return STH_PREFIX + struct.pack(">QQ", tree_size, to_micros(created_at)) + root_hash + head_hash
