"""Backoff schedule (bounds, jitter, max attempts) and the circuit breaker's state machine."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildrunner.governance import CircuitBreaker as BreakerPolicy
from buildrunner.governance import SyncBackoff
from buildrunner.sync._calls import CallPolicy, CircuitOpenError, Clock
from buildrunner.sync.backoff import backoff_ms
from buildrunner.sync.breaker import CircuitBreaker
from buildrunner.sync.errors import AuthError, PushInProgressError, ServerUnavailableError
from buildrunner.sync.state import BreakerState, Link, OutboxEntry, SyncState


def test_schedule_without_jitter_doubles_up_to_the_cap() -> None:
    policy = SyncBackoff(min_ms=500, max_ms=30_000, factor=2, jitter=False, max_attempts=10)
    assert [backoff_ms(n, policy) for n in range(1, 10)] == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
                                                            30000]
    assert backoff_ms(10_000, policy) == 30_000  # no overflow however long it has failed


@given(attempt=st.integers(1, 200), min_ms=st.integers(1, 5_000), span=st.integers(0, 100_000),
       factor=st.floats(1, 10), seed=st.integers(0, 2**32))
def test_jitter_stays_between_the_minimum_and_the_capped_delay(attempt: int, min_ms: int, span: int, factor: float,
                                                              seed: int) -> None:
    policy = SyncBackoff(min_ms=min_ms, max_ms=min_ms + span, factor=factor, jitter=True, max_attempts=5)
    plain = backoff_ms(attempt, SyncBackoff(min_ms=min_ms, max_ms=min_ms + span, factor=factor, jitter=False))
    assert min_ms <= backoff_ms(attempt, policy, random.Random(seed)) <= plain <= min_ms + span


def test_jitter_spreads_retries() -> None:
    policy = SyncBackoff(min_ms=100, max_ms=10_000, factor=2, jitter=True)
    draws = {backoff_ms(6, policy, random.Random(seed)) for seed in range(50)}
    assert len(draws) > 40 and min(draws) >= 100 and max(draws) <= 3200


@dataclass
class FakeTime:
    now: float = 1_000_000.0
    slept: list[float] | None = None

    def clock(self) -> Clock:
        self.slept = []
        return Clock(lambda: self.now, self.sleep, random.Random(1))

    def sleep(self, seconds: float) -> None:
        assert self.slept is not None
        self.slept.append(seconds)
        self.now += seconds


BREAKER = BreakerPolicy(failure_threshold=3, success_threshold=2, cooldown_ms=10_000, half_open_max_calls=2)


def test_breaker_opens_after_consecutive_failures_and_a_success_resets_the_count() -> None:
    time = FakeTime()
    breaker = CircuitBreaker(BreakerState(), BREAKER, time.clock().now_ms)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state.mode == "closed" and breaker.allow()
    breaker.record_failure()
    assert breaker.state.mode == "open" and not breaker.allow()
    assert breaker.retry_at_ms() == int(time.now * 1000) + 10_000


def test_breaker_half_opens_after_the_cooldown_with_limited_trial_calls_then_closes() -> None:
    time = FakeTime()
    state = BreakerState()
    breaker = CircuitBreaker(state, BREAKER, time.clock().now_ms)
    for _ in range(3):
        breaker.record_failure()
    time.now += 9.999
    assert not breaker.allow()
    time.now += 0.001
    assert breaker.allow() and state.mode == "half_open"
    assert breaker.allow()
    assert not breaker.allow()  # half_open_max_calls = 2
    breaker.record_success()
    assert state.mode == "half_open"
    breaker.record_success()
    assert state.mode == "closed" and state.failures == 0 and breaker.allow() and breaker.retry_at_ms() is None


def test_a_failure_while_half_open_opens_it_again_for_a_full_cooldown() -> None:
    time = FakeTime()
    state = BreakerState()
    breaker = CircuitBreaker(state, BREAKER, time.clock().now_ms)
    for _ in range(3):
        breaker.record_failure()
    time.now += 10
    assert breaker.allow()
    breaker.record_failure()
    assert state.mode == "open" and state.opened_at_ms == int(time.now * 1000) and not breaker.allow()


def test_breaker_never_waits_for_more_successes_than_trial_calls() -> None:
    time = FakeTime()
    loose = BreakerPolicy(failure_threshold=1, success_threshold=5, cooldown_ms=0, half_open_max_calls=1)
    breaker = CircuitBreaker(BreakerState(), loose, time.clock().now_ms)
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state.mode == "closed"


def calls(time: FakeTime, *, attempts: int = 4, breaker: BreakerPolicy = BREAKER,
          saves: list[int] | None = None) -> tuple[CallPolicy, SyncState]:
    state = SyncState(link=Link(server="http://srv", project="WEB"))
    backoff = SyncBackoff(min_ms=100, max_ms=1_000, factor=2, jitter=False, max_attempts=attempts)
    policy = CallPolicy(state, backoff, breaker, time.clock(), lambda: (saves or []).append(1))
    return policy, state


def failing(count: int, then: str = "ok") -> object:
    left = [count]

    def action(_: object) -> str:
        if left[0] > 0:
            left[0] -= 1
            raise ServerUnavailableError("cannot reach http://srv")
        return then

    return action


def test_calls_retry_with_backoff_and_record_the_failures() -> None:
    time = FakeTime()
    roomy = BreakerPolicy(failure_threshold=10, success_threshold=1, cooldown_ms=1, half_open_max_calls=1)
    policy, state = calls(time, breaker=roomy)
    entry = OutboxEntry(key="k", base_revision=1, created_at="t")
    assert policy.call(lambda: None, failing(3), entry) == "ok"  # type: ignore[arg-type,return-value]
    assert time.slept == [0.1, 0.2, 0.4]
    assert entry.attempts == 3 and entry.last_error == "cannot reach http://srv" and entry.next_attempt_at
    assert state.failures_total == 3 and state.last_contact is not None and state.last_contact.ok
    assert state.breaker.failures == 0


def test_calls_give_up_after_max_attempts_failures_in_one_sync() -> None:
    time = FakeTime()
    roomy = BreakerPolicy(failure_threshold=10, success_threshold=1, cooldown_ms=1, half_open_max_calls=1)
    policy, state = calls(time, attempts=4, breaker=roomy)
    with pytest.raises(ServerUnavailableError):
        policy.call(lambda: None, failing(99))  # type: ignore[arg-type]
    assert policy.failures == 4 and time.slept == [0.1, 0.2, 0.4]  # no sleep after the last attempt
    assert state.last_contact is not None and not state.last_contact.ok


def test_an_open_breaker_stops_calls_without_calling() -> None:
    time = FakeTime()
    policy, state = calls(time, attempts=10)
    with pytest.raises(CircuitOpenError, match=r"not called before .* after 3 failures in a row \(last: cannot"):
        policy.call(lambda: None, failing(99))  # type: ignore[arg-type]
    assert state.breaker.mode == "open" and len(time.slept or []) == 2
    made: list[int] = []
    with pytest.raises(CircuitOpenError):
        policy.call(lambda: made.append(1), failing(0))  # type: ignore[arg-type,func-returns-value]
    assert made == []


def test_an_error_answer_means_the_server_was_reached() -> None:
    time = FakeTime()
    policy, state = calls(time)
    state.breaker.failures = 2

    def refuse(_: object) -> None:
        raise AuthError("401")

    with pytest.raises(AuthError):
        policy.call(lambda: None, refuse)  # type: ignore[arg-type]
    assert state.breaker.failures == 0 and state.last_contact is not None and state.last_contact.ok


def test_a_push_still_in_progress_is_waited_for_not_counted_as_a_failure() -> None:
    time = FakeTime()
    policy, state = calls(time)
    left = [3]

    def busy(_: object) -> str:
        if left[0]:
            left[0] -= 1
            raise PushInProgressError("in progress", retry_after_ms=250)
        return "answer"

    assert policy.call(lambda: None, busy) == "answer"  # type: ignore[arg-type]
    assert time.slept == [0.25, 0.25, 0.25] and state.failures_total == 0 and state.breaker.mode == "closed"
