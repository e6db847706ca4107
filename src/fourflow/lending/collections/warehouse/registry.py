"""The installation's warehouse, called through a circuit breaker and a timeout. Until a warehouse
grants API access, the demo world runs on the simulator."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from fourflow.core.resilience import CallTimedOut, CircuitBreaker, CircuitOpen
from fourflow.lending.collections.errors import WarehouseUnavailable
from fourflow.lending.collections.warehouse.port import Warehouse, WarehouseUnreachable
from fourflow.lending.collections.warehouse.simulator import SimulatedWarehouse

Result = TypeVar("Result")
TIMEOUT_SECONDS = 5.0


class GuardedWarehouse:
    """One breaker per process and warehouse; any failure becomes ``WarehouseUnavailable``."""

    def __init__(self, warehouse: Warehouse, *, failure_threshold: int = 5) -> None:
        self.warehouse = warehouse
        self.breaker = CircuitBreaker(f"warehouse:{warehouse.name}", failure_threshold=failure_threshold)

    @property
    def name(self) -> str:
        return self.warehouse.name

    def call(self, function: Callable[[], Result]) -> Result:
        try:
            return self.breaker.call(function, timeout_seconds=TIMEOUT_SECONDS)
        except (CircuitOpen, CallTimedOut, WarehouseUnreachable) as failed:
            raise WarehouseUnavailable(warehouse=self.warehouse.name) from failed


_installed: list[GuardedWarehouse] = []


@lru_cache(maxsize=1)
def _demo() -> GuardedWarehouse:
    return GuardedWarehouse(SimulatedWarehouse())


def warehouse() -> GuardedWarehouse:
    return _installed[-1] if _installed else _demo()


def install(guarded: GuardedWarehouse | None) -> None:
    """Tests and the demo world choose the warehouse (None: back to the default)."""
    _installed.clear()
    if guarded is not None:
        _installed.append(guarded)
