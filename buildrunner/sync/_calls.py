"""Calls to the server under the circuit breaker, retried with backoff within one sync."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, TypeVar

from buildrunner.sync.backoff import BackoffSettings, backoff_ms
from buildrunner.sync.breaker import BreakerSettings, CircuitBreaker
from buildrunner.sync.errors import PushInProgressError, ServerUnavailableError, SyncError
from buildrunner.sync.state import Contact, OutboxEntry, SyncState

if TYPE_CHECKING:
    from buildrunner.sync.client import SyncClient

__all__ = ["CallPolicy", "CircuitOpenError", "Clock", "iso"]

T = TypeVar("T")
IN_PROGRESS_WAITS: Final = 40  # x ~250 ms: an earlier attempt of a push normally finishes far sooner


class CircuitOpenError(ServerUnavailableError):
    """The breaker is open: the server is not called until the cooldown has passed."""


def iso(seconds: float) -> str:
    """A timestamp as ISO 8601 UTC with second precision."""
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Clock:
    """Time and sleeping, replaceable in tests."""

    def __init__(self, now: Callable[[], float], sleep: Callable[[float], None],
                 rng: random.Random | None = None) -> None:
        """``now`` in seconds since the epoch; ``sleep`` in seconds."""
        self.now, self.sleep, self.rng = now, sleep, rng or random.Random()  # noqa: S311

    def now_ms(self) -> int:
        """Milliseconds since the epoch."""
        return int(self.now() * 1000)


class CallPolicy:
    """Runs calls for one sync: the breaker decides, failures are counted, retried and written to ``state``."""

    def __init__(self, state: SyncState, backoff: BackoffSettings, breaker: BreakerSettings, clock: Clock,
                 save: Callable[[], None]) -> None:
        """``save`` persists ``state`` (a no-op in a dry run)."""
        self.state, self.backoff, self.clock, self.save = state, backoff, clock, save
        self.breaker = CircuitBreaker(state.breaker, breaker, clock.now_ms)
        self.failures = 0  # in this sync
        self.in_progress_waits = 0

    def call(self, client: Callable[[], SyncClient], action: Callable[[SyncClient], T],
             entry: OutboxEntry | None = None) -> T:
        """Run ``action`` with the client; retry transient failures up to ``max_attempts`` failures per sync.

        Raises:
            CircuitOpenError: the breaker does not allow a call now.
            ServerUnavailableError: the last attempt failed too.
            SyncError: the server answered with an error (it was reachable).
        """
        last_error = ""
        while True:
            if not self.breaker.allow():
                raise CircuitOpenError(self._open_message(last_error))
            try:
                result = action(client())
            except PushInProgressError as exc:
                # The server is answering an earlier attempt of this very push: not a failure, just wait for it.
                self._reached()
                self.in_progress_waits += 1
                if self.in_progress_waits > IN_PROGRESS_WAITS:
                    raise ServerUnavailableError(f"{exc} for too long") from None
                self.clock.sleep((exc.retry_after_ms or 250) / 1000)
                continue
            except ServerUnavailableError as exc:
                wait_ms = self._failed(exc, entry)
                if self.failures >= max(self.backoff.max_attempts, 1):
                    raise
                last_error = str(exc)
                if self.state.breaker.mode != "open":
                    self.clock.sleep(wait_ms / 1000)
                continue
            except SyncError:
                self._reached()
                raise
            self._reached()
            return result

    def _reached(self) -> None:
        self.breaker.record_success()
        self.state.last_contact = Contact(at=iso(self.clock.now()), ok=True)

    def _failed(self, exc: ServerUnavailableError, entry: OutboxEntry | None) -> int:
        self.failures += 1
        self.breaker.record_failure()
        state, now = self.state, self.clock.now()
        state.failures_total += 1
        state.last_contact = Contact(at=iso(now), ok=False, error=str(exc))
        wait_ms = max(backoff_ms(self.failures, self.backoff, self.clock.rng), exc.retry_after_ms or 0)
        if entry is not None:
            entry.attempts += 1
            entry.last_error = str(exc)
            entry.last_attempt_at = iso(now)
            entry.next_attempt_at = iso(now + wait_ms / 1000)
        self.save()
        return wait_ms

    def _open_message(self, last_error: str) -> str:
        retry_at = self.breaker.retry_at_ms()
        when = f"before {iso(retry_at / 1000)}" if retry_at is not None else "until its trial calls are answered"
        cause = last_error or (self.state.last_contact.error if self.state.last_contact else "")
        return (f"{self.state.link.server} is not called {when}: the circuit breaker opened after "
                f"{self.state.breaker.failures} failures in a row" + (f" (last: {cause})" if cause else ""))
