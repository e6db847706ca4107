"""Circuit breakers and timeouts for calls to external systems (ARCHITECTURE rule 8).

A breaker counts consecutive failures of one dependency. Past a threshold it opens and
calls fail fast, sparing a struggling partner and freeing the caller to fail over; after a
cool-down one trial call is let through (half-open) and its outcome closes or re-opens it.
State is per process, which is what a breaker needs: each process protects itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from fourflow.core.clock import Clock, get_clock

Result = TypeVar("Result")


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Exception):
    """The breaker is open: the call was not attempted."""

    def __init__(self, name: str, retry_at: datetime) -> None:
        super().__init__(f"circuit {name} is open until {retry_at.isoformat()}")
        self.name = name
        self.retry_at = retry_at


class CallTimedOut(Exception):
    """The call did not answer in time; whether it took effect is unknown."""


@dataclass
class BreakerStatistics:
    calls: int = 0
    failures: int = 0
    rejected: int = 0
    total_seconds: float = 0.0

    @property
    def success_rate(self) -> float | None:
        return None if self.calls == 0 else (self.calls - self.failures) / self.calls

    @property
    def mean_latency_seconds(self) -> float | None:
        return None if self.calls == 0 else self.total_seconds / self.calls


class CircuitBreaker:
    def __init__(self, name: str, *, failure_threshold: int = 5,
                 reset_after: timedelta = timedelta(seconds=30), clock: Clock | None = None) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._opened_at: datetime | None = None
        self._trial_in_flight = False
        self.statistics = BreakerStatistics()

    def _now(self) -> datetime:
        return (self._clock or get_clock()).now()

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._current_state()

    def _current_state(self) -> BreakerState:
        if (self._state is BreakerState.OPEN and self._opened_at is not None
                and self._now() >= self._opened_at + self.reset_after):
            self._state = BreakerState.HALF_OPEN
        return self._state

    def _admit(self) -> None:
        with self._lock:
            state = self._current_state()
            if state is BreakerState.OPEN or (state is BreakerState.HALF_OPEN
                                             and self._trial_in_flight):
                self.statistics.rejected += 1
                assert self._opened_at is not None
                raise CircuitOpen(self.name, self._opened_at + self.reset_after)
            if state is BreakerState.HALF_OPEN:
                self._trial_in_flight = True

    def _record(self, succeeded: bool, seconds: float) -> None:
        with self._lock:
            self.statistics.calls += 1
            self.statistics.total_seconds += seconds
            self._trial_in_flight = False
            if succeeded:
                self._consecutive_failures = 0
                self._state = BreakerState.CLOSED
                self._opened_at = None
                return
            self.statistics.failures += 1
            self._consecutive_failures += 1
            if (self._state is BreakerState.HALF_OPEN
                    or self._consecutive_failures >= self.failure_threshold):
                self._state = BreakerState.OPEN
                self._opened_at = self._now()

    def call(self, function: Callable[[], Result], *, timeout_seconds: float | None = None) -> Result:
        """Run ``function`` through the breaker; failures (including timeouts) count."""
        self._admit()
        started = time.perf_counter()
        try:
            result = call_with_timeout(function, timeout_seconds) if timeout_seconds else function()
        except BaseException:
            self._record(False, time.perf_counter() - started)
            raise
        self._record(True, time.perf_counter() - started)
        return result


_timeout_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="fourflow-timeout")


def call_with_timeout(function: Callable[[], Result], timeout_seconds: float) -> Result:
    """Wait at most ``timeout_seconds``. The call may still finish later; its effect is
    then unknown to the caller, who must find out (status polling), never blindly retry."""
    future = _timeout_pool.submit(function)
    try:
        return future.result(timeout=timeout_seconds)
    except FutureTimeout as exc:
        raise CallTimedOut(f"no answer within {timeout_seconds} s") from exc
