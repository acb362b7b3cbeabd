"""Generated ids that never collide between people or agents working offline.

A generated id is a kind prefix and 12 characters of Crockford base32 drawn from the operating
system's CSPRNG (60 random bits). Two people adding items on two machines at the same moment
share nothing, so the chance that any two of a million generated ids collide is below 1 in 2 million;
within one plan, an id is also checked against the ids already present. Hand-written ids such as
``p1.s1.ms1`` stay valid: ids are opaque strings, unique in the plan.
"""

from __future__ import annotations

import secrets
from collections.abc import Container
from typing import Final

ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: no i, l, o, u
RANDOM_CHARS: Final = 12
PREFIXES: Final = {"milestone": "m", "step": "s", "microstep": "ms", "criterion": "ac", "link": "ln", "note": "n"}


def new_id(kind: str, taken: Container[str] = frozenset()) -> str:
    """Return a fresh id for an item of ``kind`` that is not in ``taken``.

    Args:
        kind: one of the keys of ``PREFIXES``.
        taken: ids already used in the plan (checked, so a local collision is impossible).
    """
    prefix = PREFIXES[kind]
    while True:
        bits = secrets.randbits(5 * RANDOM_CHARS)
        chars = [ALPHABET[(bits >> (5 * i)) & 31] for i in range(RANDOM_CHARS)]
        candidate = f"{prefix}-{''.join(chars)}"
        if candidate not in taken:
            return candidate
