"""Circuit breakers and timeouts for calls to external systems (ARCHITECTURE rule 8).

A breaker counts consecutive failures of one dependency. Past a threshold it opens and
calls fail fast, sparing a struggling partner and freeing the caller to fail over; after a
cool-down one trial call is let through (half-open) and its outcome closes or re-opens it.

Where the state lives is the breaker's store: in the process by default (``LocalBreakerStore``),
or in PostgreSQL (``fourflow.core.breakers.PostgresBreakerStore``) when every web and job worker
must see the same open or closed channel: a bank that failed for one process is spared by all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

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


@dataclass
class BreakerRecord:
    """A breaker's shared state: what every process calling the dependency must agree on."""

    state: BreakerState = BreakerState.CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    # When the half-open trial call was let through; a trial older than the cool-down is
    # taken as lost (its process died) and another one may go.
    trial_started_at: datetime | None = None


Change = TypeVar("Change")


class BreakerStore(Protocol):
    def read(self, name: str) -> BreakerRecord:
        """The current record (closed when there is none)."""
        ...

    def update(self, name: str, change: Callable[[BreakerRecord], Change]) -> Change:
        """Apply ``change`` to the record atomically (no other update interleaves), save it,
        and return what ``change`` returned."""
        ...


class LocalBreakerStore:
    """State kept in this process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, BreakerRecord] = {}

    def read(self, name: str) -> BreakerRecord:
        with self._lock:
            return replace(self._records.get(name, BreakerRecord()))

    def update(self, name: str, change: Callable[[BreakerRecord], Change]) -> Change:
        with self._lock:
            record = self._records.setdefault(name, BreakerRecord())
            return change(record)


class CircuitBreaker:
    def __init__(self, name: str, *, failure_threshold: int = 5,
                 reset_after: timedelta = timedelta(seconds=30), clock: Clock | None = None,
                 store: BreakerStore | None = None) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._clock = clock
        self.store: BreakerStore = store if store is not None else LocalBreakerStore()
        self._statistics_lock = threading.Lock()
        # Calls made by this process (latency and success rate are a caller's view).
        self.statistics = BreakerStatistics()

    def _now(self) -> datetime:
        return (self._clock or get_clock()).now()

    @property
    def state(self) -> BreakerState:
        return self._current_state(self.store.read(self.name), self._now())

    def _current_state(self, record: BreakerRecord, now: datetime) -> BreakerState:
        if (record.state is BreakerState.OPEN and record.opened_at is not None
                and now >= record.opened_at + self.reset_after):
            record.state = BreakerState.HALF_OPEN
            record.trial_started_at = None
        return record.state

    def _admit(self) -> None:
        now = self._now()

        def admit(record: BreakerRecord) -> datetime | None:
            """None when the call may go; else when to try again."""
            state = self._current_state(record, now)
            trial_running = (record.trial_started_at is not None
                             and now < record.trial_started_at + self.reset_after)
            if state is BreakerState.OPEN or (state is BreakerState.HALF_OPEN and trial_running):
                assert record.opened_at is not None
                return record.opened_at + self.reset_after
            if state is BreakerState.HALF_OPEN:
                record.trial_started_at = now
            return None

        retry_at = self.store.update(self.name, admit)
        if retry_at is not None:
            with self._statistics_lock:
                self.statistics.rejected += 1
            raise CircuitOpen(self.name, retry_at)

    def _record(self, succeeded: bool, seconds: float) -> None:
        with self._statistics_lock:
            self.statistics.calls += 1
            self.statistics.total_seconds += seconds
            if not succeeded:
                self.statistics.failures += 1
        now = self._now()

        def record_outcome(record: BreakerRecord) -> None:
            was_trial = record.state is BreakerState.HALF_OPEN
            record.trial_started_at = None
            if succeeded:
                record.consecutive_failures = 0
                record.state = BreakerState.CLOSED
                record.opened_at = None
                return
            record.consecutive_failures += 1
            if was_trial or record.consecutive_failures >= self.failure_threshold:
                record.state = BreakerState.OPEN
                record.opened_at = now

        self.store.update(self.name, record_outcome)

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
