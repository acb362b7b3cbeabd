"""Encrypting webhook addresses at rest: an incoming-webhook URL is a credential, so only its ciphertext is stored
(see :class:`app.lib.crypto.SecretBox`)."""

from __future__ import annotations

from typing import Final

from app.lib.crypto import SecretBox

__all__ = ["WebhookCipher"]

_PURPOSE: Final = b"buildrunner notification webhook urls v1"


class WebhookCipher(SecretBox):
    """Encrypts and decrypts people's webhook addresses with a key derived from the server's secret key."""

    def __init__(self, secret_key: str) -> None:
        """Derive the encryption key from ``secret_key`` (``BR_SECRET_KEY``)."""
        super().__init__(secret_key, _PURPOSE)
