import time
from datetime import UTC, datetime, timedelta

import pytest

from fourflow.core.clock import FrozenClock
from fourflow.core.resilience import BreakerState, CallTimedOut, CircuitBreaker, CircuitOpen


def _failing() -> None:
    raise ConnectionError("bank unreachable")


def test_opens_after_the_threshold_then_half_opens_and_closes_on_success() -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 10, tzinfo=UTC))
    breaker = CircuitBreaker("bank-a", failure_threshold=3, reset_after=timedelta(seconds=30), clock=clock)
    for _ in range(3):
        with pytest.raises(ConnectionError):
            breaker.call(_failing)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen) as rejected:
        breaker.call(lambda: "never called")
    assert rejected.value.retry_at == datetime(2026, 11, 25, 10, 0, 30, tzinfo=UTC)
    clock.advance(timedelta(seconds=30))
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is BreakerState.CLOSED
    assert (breaker.statistics.calls, breaker.statistics.failures, breaker.statistics.rejected) == (4, 3, 1)


def test_a_failed_trial_reopens_at_once() -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 10, tzinfo=UTC))
    breaker = CircuitBreaker("bank-b", failure_threshold=1, reset_after=timedelta(seconds=10), clock=clock)
    with pytest.raises(ConnectionError):
        breaker.call(_failing)
    clock.advance(timedelta(seconds=10))
    with pytest.raises(ConnectionError):
        breaker.call(_failing)
    assert breaker.state is BreakerState.OPEN


def test_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("bank-c", failure_threshold=2)
    with pytest.raises(ConnectionError):
        breaker.call(_failing)
    breaker.call(lambda: None)
    with pytest.raises(ConnectionError):
        breaker.call(_failing)
    assert breaker.state is BreakerState.CLOSED


def test_timeouts_count_as_failures() -> None:
    breaker = CircuitBreaker("slow-bank", failure_threshold=1)
    with pytest.raises(CallTimedOut):
        breaker.call(lambda: time.sleep(0.5), timeout_seconds=0.05)
    assert breaker.state is BreakerState.OPEN
