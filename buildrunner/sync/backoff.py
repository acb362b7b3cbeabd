"""Exponential backoff with jitter, from the policy's ``sync_backoff`` section."""

from __future__ import annotations

import random
from typing import Protocol

__all__ = ["BackoffSettings", "backoff_ms"]

_MAX_EXPONENT = 64  # far beyond any max_ms; keeps the float power finite


class BackoffSettings(Protocol):
    """What :func:`backoff_ms` reads (``policy.sync_backoff``)."""

    @property
    def min_ms(self) -> int: ...
    @property
    def max_ms(self) -> int: ...
    @property
    def factor(self) -> float: ...
    @property
    def jitter(self) -> bool: ...
    @property
    def max_attempts(self) -> int: ...


def backoff_ms(attempt: int, settings: BackoffSettings, rng: random.Random | None = None) -> int:
    """The wait in milliseconds after failed attempt number ``attempt`` (1 = the first failure).

    Without jitter: ``min_ms * factor ** (attempt - 1)``, capped at ``max_ms``. With jitter ("full jitter" above
    the minimum): a uniform draw between ``min_ms`` and that, so that clients that failed together do not all
    retry at the same moment.
    """
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    floor = float(max(settings.min_ms, 0))
    capped = max(min(float(max(settings.max_ms, 0)), floor * float(settings.factor) ** exponent), 0.0)
    if not settings.jitter:
        return round(capped)
    low = min(floor, capped)
    return round((rng or random.Random()).uniform(low, capped))  # noqa: S311  (timing jitter, not a secret)
