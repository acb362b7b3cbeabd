"""The deliveries' settings, set once per process by whoever starts jobs (the app, ``br-server worker``, tests)."""

from __future__ import annotations

from dataclasses import dataclass

from app.lib.crypto import SecretBox
from app.server.settings import Settings

__all__ = ["DeliveryConfig", "configure", "current_config"]

_ENCRYPTED = "enc:v1:"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryConfig:
    """How deliveries are sent and retried."""

    secret_key: str
    smtp_url: str | None = None
    max_attempts: int = 8
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease_seconds: float = 120.0
    http_timeout_seconds: float = 10.0
    smtp_timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        """The configuration of ``settings``; the lease outlives a job's timeout twice over.

        A claimed row is taken back only after the lease, and SAQ stops a job at its timeout, so a live worker
        never has its row claimed by another while it is still sending.
        """
        return cls(
            secret_key=settings.secret_key,
            smtp_url=settings.smtp_url,
            max_attempts=settings.delivery_max_attempts,
            retry_base_seconds=float(settings.delivery_retry_seconds),
            lease_seconds=float(2 * settings.job_timeout_seconds),
            smtp_timeout_seconds=float(max(1, settings.job_timeout_seconds // 2)),
            http_timeout_seconds=float(max(1, min(10, settings.job_timeout_seconds // 2))),
        )

    def _box(self) -> SecretBox:
        # A key of its own, derived from the server secret: a leaked webhook token says nothing about sessions.
        return SecretBox(self.secret_key, b"buildrunner delivery target")

    def seal(self, secret: str) -> str:
        """Encrypt a webhook URL for storage."""
        return _ENCRYPTED + self._box().encrypt(secret)

    def unseal(self, stored: str) -> str:
        """The plain target of a stored one (email addresses are stored as they are).

        Raises:
            ValueError: the target was encrypted with another secret key.
        """
        if not stored.startswith(_ENCRYPTED):
            return stored
        plain = self._box().decrypt(stored.removeprefix(_ENCRYPTED))
        if plain is None:
            raise ValueError("the webhook URL was encrypted with another BR_SECRET_KEY; save it again")
        return plain


_config: DeliveryConfig | None = None


def configure(config: DeliveryConfig | None) -> None:
    """Set the process's configuration (``None``: read it from the environment on next use)."""
    global _config  # noqa: PLW0603
    _config = config


def current_config() -> DeliveryConfig:
    """The configuration set by :func:`configure`, else the one of the ``BR_*`` environment."""
    global _config  # noqa: PLW0603
    if _config is None:
        _config = DeliveryConfig.from_settings(Settings.from_env())
    return _config
