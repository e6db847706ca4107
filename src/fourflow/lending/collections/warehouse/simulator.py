"""A simulated warehouse for the demo world and tests: per seller and SKU the units on hand, pledged
to the platform and locked by it. It refuses to ship locked units, with a clear error, and does each
lock or release once per idempotency key, like a real warehouse API."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fourflow.lending.collections.errors import LockedStockNotShippable
from fourflow.lending.collections.warehouse.port import StockInstruction, StockPosition, WarehouseUnreachable


@dataclass
class _Position:
    on_hand: int
    pledged: int
    locked: int = 0


@dataclass
class SimulatedWarehouse:
    name: str = "demo-warehouse"
    unreachable: bool = False  # every call fails, as when the warehouse is down
    _stock: dict[tuple[str, str], _Position] = field(default_factory=dict, init=False)
    _done: dict[str, StockPosition] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def stock(self, seller: str, sku: str, *, on_hand: int, pledged: int) -> None:
        """Goods received (the demo world's set-up)."""
        if not 0 <= pledged <= on_hand:
            raise ValueError("pledged units must be between 0 and the units on hand")
        with self._lock:
            self._stock[(seller, sku)] = _Position(on_hand, pledged)

    def _check(self) -> None:
        if self.unreachable:
            raise WarehouseUnreachable(f"{self.name}: service unavailable")

    def _position(self, seller: str, sku: str) -> StockPosition:
        held = self._stock[(seller, sku)]
        return StockPosition(sku, held.on_hand, held.pledged, held.locked)

    def positions(self, seller: str) -> list[StockPosition]:
        self._check()
        with self._lock:
            return [self._position(owner, sku) for owner, sku in sorted(self._stock) if owner == seller]

    def lock(self, instruction: StockInstruction) -> StockPosition:
        return self._move(instruction, +1)

    def release(self, instruction: StockInstruction) -> StockPosition:
        return self._move(instruction, -1)

    def _move(self, instruction: StockInstruction, sign: int) -> StockPosition:
        self._check()
        with self._lock:
            done = self._done.get(instruction.idempotency_key)
            if done is not None:
                return done
            held = self._stock.get((instruction.seller, instruction.sku))
            if held is None or instruction.units <= 0:
                raise WarehouseUnreachable(f"{self.name}: unknown SKU {instruction.sku} or units")
            # Only pledged units can be locked; never release more than is locked.
            held.locked = max(0, min(held.pledged, held.locked + sign * instruction.units))
            done = self._position(instruction.seller, instruction.sku)
            self._done[instruction.idempotency_key] = done
            return done

    def ship(self, seller: str, sku: str, units: int) -> StockPosition:
        """The seller takes goods out; locked units stay in the warehouse."""
        with self._lock:
            held = self._stock[(seller, sku)]
            if units > held.on_hand - held.locked:
                raise LockedStockNotShippable(sku=sku, units=units, locked=held.locked,
                                              shippable=held.on_hand - held.locked)
            held.on_hand -= units
            held.pledged = min(held.pledged, held.on_hand)
            return self._position(seller, sku)
