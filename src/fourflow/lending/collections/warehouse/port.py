"""What Fourflow asks of a warehouse holding a seller's pledged goods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class WarehouseUnreachable(Exception):
    """The warehouse did not answer, or answered with a failure: the effect is unknown."""


@dataclass(frozen=True, slots=True)
class StockInstruction:
    """Lock or release ``units`` of ``sku`` held for ``seller``; the same key is done once."""

    idempotency_key: str
    seller: str
    sku: str
    units: int


@dataclass(frozen=True, slots=True)
class StockPosition:
    sku: str
    on_hand: int
    pledged: int
    locked: int

    @property
    def shippable(self) -> int:
        return self.on_hand - self.locked


class Warehouse(Protocol):
    name: str

    def positions(self, seller: str) -> list[StockPosition]: ...

    def lock(self, instruction: StockInstruction) -> StockPosition: ...

    def release(self, instruction: StockInstruction) -> StockPosition: ...
