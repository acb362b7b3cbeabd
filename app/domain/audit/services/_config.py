"""The ledger's process-wide settings: the checkpoint key, how often to checkpoint, retention.

``record()`` is called from other domains' services, which know nothing of settings; the app and the command line
call :func:`configure` once at start. Unconfigured (a bare test session), entries are still chained and checked,
only automatic checkpoints are skipped: the next on-demand checkpoint covers them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final, Protocol

from app.domain.audit.signing import LedgerSigner

__all__ = ["DEFAULT_CHECKPOINT_EVERY", "LedgerConfig", "LedgerSettings", "configure", "ledger_config", "signer_for"]

DEFAULT_CHECKPOINT_EVERY: Final = 1024


class LedgerSettings(Protocol):
    """What the ledger reads from the server settings (``app.server.settings.Settings`` has it)."""

    @property
    def secret_key(self) -> str: ...

    @property
    def audit_checkpoint_every(self) -> int: ...

    @property
    def audit_retention_days(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class LedgerConfig:
    """``signer`` is ``None`` until configured; ``checkpoint_every`` 0 turns automatic checkpoints off."""

    signer: LedgerSigner | None = None
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    retention_days: int | None = None


_current = LedgerConfig()


@functools.lru_cache(maxsize=8)
def signer_for(secret_key: str) -> LedgerSigner:
    """The (cached) checkpoint signer of a server secret."""
    return LedgerSigner(secret_key)


def configure(settings: LedgerSettings) -> LedgerConfig:
    """Make ``settings`` the ledger's configuration for this process and return it."""
    global _current  # noqa: PLW0603
    _current = LedgerConfig(signer=signer_for(settings.secret_key), checkpoint_every=settings.audit_checkpoint_every,
                            retention_days=settings.audit_retention_days)
    return _current


def ledger_config() -> LedgerConfig:
    """The configuration set by :func:`configure` (an unsigned default before that)."""
    return _current
