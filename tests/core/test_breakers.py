"""Circuit breaker state shared through PostgreSQL: what one process learns about a failing
dependency, every other process knows. The store writes on connections of its own (committed
at once, outside any business transaction), so each test uses names of its own and removes
them afterwards."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from fourflow.core.breakers import PostgresBreakerStore
from fourflow.core.clock import FrozenClock
from fourflow.core.resilience import BreakerState, CircuitBreaker, CircuitOpen
from fourflow.core.settings import PROJECT_ROOT


def _failing() -> None:
    raise ConnectionError("bank unreachable")


@pytest.fixture
def prefix(engine: Engine) -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM circuit_breakers WHERE name LIKE :p"), {"p": prefix + "%"})


def _breaker(engine: Engine, prefix: str, clock: FrozenClock) -> CircuitBreaker:
    return CircuitBreaker("harbour-bank", failure_threshold=2, reset_after=timedelta(seconds=30),
                          clock=clock, store=PostgresBreakerStore(engine, prefix=prefix))


def test_two_breakers_on_the_same_store_open_and_close_together(engine: Engine, prefix: str) -> None:
    clock = FrozenClock(datetime(2026, 12, 5, 10, tzinfo=UTC))
    web, job = _breaker(engine, prefix, clock), _breaker(engine, prefix, clock)
    # One failure in each process: together they reach the threshold of two.
    with pytest.raises(ConnectionError):
        web.call(_failing)
    assert job.state is BreakerState.CLOSED
    with pytest.raises(ConnectionError):
        job.call(_failing)
    assert (web.state, job.state) == (BreakerState.OPEN, BreakerState.OPEN)
    with pytest.raises(CircuitOpen) as rejected:
        web.call(lambda: "never called")
    # opened at 10:00:00, 30 s cool-down
    assert rejected.value.retry_at == datetime(2026, 12, 5, 10, 0, 30, tzinfo=UTC)
    clock.advance(timedelta(seconds=30))
    assert job.state is BreakerState.HALF_OPEN
    # One trial for all processes: the web worker's goes, the job worker's waits.
    outcome: list[str] = []

    def trial() -> str:
        with pytest.raises(CircuitOpen):
            job.call(lambda: "second trial")
        return "first trial"

    outcome.append(web.call(trial))
    assert outcome == ["first trial"]
    assert (web.state, job.state) == (BreakerState.CLOSED, BreakerState.CLOSED)
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT state, consecutive_failures, opened_at FROM circuit_breakers WHERE name = :n"),
            {"n": prefix + "harbour-bank"}).one()
    assert tuple(row) == ("closed", 0, None)


def test_a_trial_lost_with_its_process_does_not_hold_the_breaker_half_open(engine: Engine,
                                                                           prefix: str) -> None:
    clock = FrozenClock(datetime(2026, 12, 5, 10, tzinfo=UTC))
    web, job = _breaker(engine, prefix, clock), _breaker(engine, prefix, clock)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            web.call(_failing)
    clock.advance(timedelta(seconds=30))
    web._admit()  # the trial is let through, and its process dies before it answers
    with pytest.raises(CircuitOpen):
        job.call(lambda: "too early")
    clock.advance(timedelta(seconds=30))  # a cool-down later, the lost trial no longer counts
    assert job.call(lambda: "ok") == "ok"
    assert web.state is BreakerState.CLOSED


_OPEN_IN_ANOTHER_PROCESS = """
import sys
from datetime import timedelta
from fourflow.core.breakers import PostgresBreakerStore
from fourflow.core.database import make_engine
from fourflow.core.resilience import CircuitBreaker
engine = make_engine(sys.argv[1], pool_size=1)
breaker = CircuitBreaker("lotus-pay", failure_threshold=3, reset_after=timedelta(hours=1),
                         store=PostgresBreakerStore(engine, prefix=sys.argv[2]))
def failing():
    raise ConnectionError("lotus-pay unreachable")
for _ in range(3):
    try:
        breaker.call(failing)
    except ConnectionError:
        pass
print(breaker.state.value)
"""


def test_a_breaker_opened_by_another_process_is_open_here(engine: Engine, database_url: str,
                                                          prefix: str) -> None:
    here = CircuitBreaker("lotus-pay", failure_threshold=3, reset_after=timedelta(hours=1),
                          store=PostgresBreakerStore(engine, prefix=prefix))
    assert here.state is BreakerState.CLOSED
    other = subprocess.run([sys.executable, "-c", _OPEN_IN_ANOTHER_PROCESS, database_url, prefix],
                           capture_output=True, text=True, cwd=PROJECT_ROOT, check=True, timeout=120)
    assert other.stdout.strip() == "open"
    assert here.state is BreakerState.OPEN
    called: list[str] = []
    with pytest.raises(CircuitOpen):
        here.call(lambda: called.append("lotus-pay"))
    assert called == []
