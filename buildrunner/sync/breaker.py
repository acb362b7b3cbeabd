"""A circuit breaker persisted in ``sync.json``, from the policy's ``circuit_breaker`` section.

closed: calls go through; ``failure_threshold`` consecutive failures open it.
open: no call for ``cooldown_ms``; then half-open.
half-open: at most ``half_open_max_calls`` trial calls; ``success_threshold`` successes close it (at most
``half_open_max_calls`` are needed), a failure opens it again for another cooldown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from buildrunner.sync.state import BreakerState

__all__ = ["BreakerSettings", "CircuitBreaker"]


class BreakerSettings(Protocol):
    """What :class:`CircuitBreaker` reads (``policy.circuit_breaker``)."""

    @property
    def failure_threshold(self) -> int: ...
    @property
    def success_threshold(self) -> int: ...
    @property
    def cooldown_ms(self) -> int: ...
    @property
    def half_open_max_calls(self) -> int: ...


class CircuitBreaker:
    """Decides whether to call the server, and learns from each call's outcome; mutates ``state`` in place."""

    def __init__(self, state: BreakerState, settings: BreakerSettings, now_ms: Callable[[], int]) -> None:
        """Wrap the persisted ``state``; ``now_ms`` is the clock (milliseconds since the epoch)."""
        self.state, self.settings, self.now_ms = state, settings, now_ms

    def allow(self) -> bool:
        """Whether a call may be made now; counts the call when half-open."""
        state = self.state
        if state.mode == "open":
            if self.now_ms() - state.opened_at_ms < self.settings.cooldown_ms:
                return False
            state.mode, state.half_open_calls, state.successes = "half_open", 0, 0
        if state.mode == "half_open":
            if state.half_open_calls >= max(self.settings.half_open_max_calls, 1):
                return False
            state.half_open_calls += 1
        return True

    def record_success(self) -> None:
        """A call reached the server (any answer but 5xx/429)."""
        state = self.state
        state.failures = 0
        if state.mode == "half_open":
            state.successes += 1
            # Never ask for more successes than trial calls are allowed, or the breaker could not close.
            needed = max(min(self.settings.success_threshold, self.settings.half_open_max_calls), 1)
            if state.successes >= needed:
                state.mode, state.successes, state.half_open_calls = "closed", 0, 0

    def record_failure(self) -> None:
        """A call failed: the server was unreachable or answered 5xx/429."""
        state = self.state
        state.failures += 1
        if state.mode == "half_open" or state.failures >= max(self.settings.failure_threshold, 1):
            state.mode, state.opened_at_ms, state.successes, state.half_open_calls = "open", self.now_ms(), 0, 0

    def retry_at_ms(self) -> int | None:
        """When an open breaker lets a trial call through (``None`` unless open)."""
        if self.state.mode != "open":
            return None
        return self.state.opened_at_ms + self.settings.cooldown_ms
