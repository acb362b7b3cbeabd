"""The ledger's checkpoint key: Ed25519, derived from ``BR_SECRET_KEY``.

Ed25519 (not an HMAC) so that anyone holding the *public* key can check an exported checkpoint without being able
to forge one; ``cryptography`` is already installed (through ``mcp``'s ``pyjwt[crypto]``, see ``uv.lock``). The
private key is derived (HKDF-SHA256) from the server secret, so there is no key file to lose or to back up, and
every app instance sharing ``BR_SECRET_KEY`` signs with the same key. Rotating the secret changes the key:
checkpoints signed before then are reported as signed by another key (``key_id`` names which).
"""

from __future__ import annotations

import hashlib
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["LedgerSigner"]

_INFO: Final = b"buildrunner audit checkpoint ed25519 v1"


class LedgerSigner:
    """Signs and checks checkpoint messages."""

    __slots__ = ("_private", "key_id", "public_key", "public_key_bytes")

    def __init__(self, secret_key: str) -> None:
        """Derive the key pair from the server secret."""
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key: Ed25519PublicKey = self._private.public_key()
        self.public_key_bytes = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(self.public_key_bytes).hexdigest()[:16]

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._private.sign(message)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``message``."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True
