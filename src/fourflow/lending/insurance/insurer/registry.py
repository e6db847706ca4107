"""The installation's insurer, called through a circuit breaker and a timeout. Until an insurer grants
API access, the demo world runs on the simulator."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from fourflow.core.resilience import CallTimedOut, CircuitBreaker, CircuitOpen
from fourflow.lending.insurance.errors import InsurerUnavailable
from fourflow.lending.insurance.insurer.port import Insurer, InsurerUnreachable
from fourflow.lending.insurance.insurer.simulator import SimulatedInsurer

Result = TypeVar("Result")
TIMEOUT_SECONDS = 5.0


class GuardedInsurer:
    """One breaker per process and insurer; any failure becomes ``InsurerUnavailable``."""

    def __init__(self, insurer: Insurer, *, failure_threshold: int = 5) -> None:
        self.insurer = insurer
        self.breaker = CircuitBreaker(f"insurer:{insurer.name}", failure_threshold=failure_threshold)

    @property
    def name(self) -> str:
        return self.insurer.name

    def call(self, function: Callable[[], Result]) -> Result:
        try:
            return self.breaker.call(function, timeout_seconds=TIMEOUT_SECONDS)
        except (CircuitOpen, CallTimedOut, InsurerUnreachable) as failed:
            raise InsurerUnavailable(insurer=self.insurer.name) from failed


_installed: list[GuardedInsurer] = []


@lru_cache(maxsize=1)
def _demo() -> GuardedInsurer:
    return GuardedInsurer(SimulatedInsurer())


def insurer() -> GuardedInsurer:
    return _installed[-1] if _installed else _demo()


def install(guarded: GuardedInsurer | None) -> None:
    """Tests and the demo world choose the insurer (None: back to the default)."""
    _installed.clear()
    if guarded is not None:
        _installed.append(guarded)
