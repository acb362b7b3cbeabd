"""Password hashing (argon2id), random tokens and token hashes, and encryption of stored secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "SecretBox",
    "check_password",
    "configure_password_hasher",
    "dummy_password_check",
    "hash_password",
    "hash_token",
    "new_token",
    "password_needs_rehash",
    "tokens_equal",
]


_hasher_instance: PasswordHasher | None = None


def _hasher() -> PasswordHasher:
    global _hasher_instance  # noqa: PLW0603
    if _hasher_instance is None:
        # argon2-cffi's defaults are RFC 9106's low-memory profile of argon2id.
        _hasher_instance = PasswordHasher()
    return _hasher_instance


def configure_password_hasher(*, time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    """Use other argon2id parameters (test suites use cheap ones; production keeps the defaults)."""
    global _hasher_instance  # noqa: PLW0603
    _hasher_instance = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    """Hash a password with argon2id; the result embeds salt and parameters."""
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash`` (False for a malformed hash too)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's defaults."""
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def dummy_password_check(password: str) -> None:
    """Spend the time of a real check, so unknown emails cannot be told apart by timing."""
    check_password(_dummy_hash(), password)


def new_token(nbytes: int = 32) -> str:
    """Return a URL-safe random token with ``nbytes`` bytes of entropy."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a high-entropy token (salting adds nothing at 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_equal(left: str, right: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


class SecretBox:
    """Two-way encryption of secrets kept in the database (webhook URLs are credentials): Fernet (AES-128-CBC with
    HMAC-SHA256) under a key derived by HKDF from ``BR_SECRET_KEY`` and a ``purpose`` label, so the key that signs
    sessions never encrypts directly and each use has a key of its own. Rotating the secret key makes what was stored
    unreadable (it must be entered again) rather than wrong."""

    def __init__(self, secret_key: str, purpose: bytes) -> None:
        """Derive this purpose's key from ``secret_key``."""
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, text: str) -> str:
        """The ciphertext of ``text``, as ASCII text for a database column."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """The text ``token`` encrypts, or ``None`` when it was encrypted under another secret key (or is not one)."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None
