"""Warehouse stock: Amazon's FBA Manage Inventory report and our 3PL stock-movements JSON.

Stock snapshot: the "FBA Manage Inventory" report, report type
GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA (Selling Partner API, "FBA Inventory reports attributes"),
a tab-delimited flat file with one row per SKU and these columns, in this order:
sku, fnsku, asin, product-name, condition, your-price, mfn-listing-exists,
mfn-fulfillable-quantity, afn-listing-exists, afn-warehouse-quantity, afn-fulfillable-quantity,
afn-unsellable-quantity, afn-reserved-quantity, afn-total-quantity, per-unit-volume,
afn-inbound-working-quantity, afn-inbound-shipped-quantity, afn-inbound-receiving-quantity,
afn-researching-quantity, afn-reserved-future-supply, afn-future-supply-buyable.
Amazon notes the returned fields vary by marketplace, so only ``sku`` and
``afn-warehouse-quantity`` are required.

How the snapshot is derived:
- on_hand = afn-warehouse-quantity: the units physically in Amazon's fulfilment centres
  (fulfillable + unsellable + reserved, per Amazon's definition); inbound units are not yet there.
- warehouse and snapshot date are not in the report (it is always "now" for one marketplace's
  FBA network), so the uploader says them: ``warehouse`` (default "AMAZON-FBA") and
  ``snapshot_date`` (default: today, UTC; the ingest service should pass the report's date).
- pledged and locked are 0: Amazon knows nothing of our pledges; the platform pledges and
  locks stock through movements.
- unit_cost is None: your-price is the selling price, not what the goods cost.

Stock movements: no 3PL publishes a movements API with pledge and lock semantics, so the layout
is ours, written down as published_schemas/warehouse-movements.schema.json:
``{"warehouse": "...", "movements": [{"id", "sku", "type", "quantity", "occurred_at",
"reference"}]}``. ``line`` is the 1-based index of the movement in ``movements``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO

from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    integer_value,
    load_json,
    mapped_rows,
    optional_text,
    read_delimited,
    required_text,
)
from fourflow.tradedata.records import Problem, StockMovement, StockMovementKind, StockSnapshot

MANAGE_INVENTORY_COLUMNS = (
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
    "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
    "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-researching-quantity",
    "afn-reserved-future-supply", "afn-future-supply-buyable",
)
REQUIRED_COLUMNS = ("sku", "afn-warehouse-quantity")
DEFAULT_WAREHOUSE = "AMAZON-FBA"


def parse_warehouse_stock(source: BinaryIO, *, warehouse: str = DEFAULT_WAREHOUSE,
                          snapshot_date: date | None = None) -> ConnectorOutput:
    on = snapshot_date or get_clock().now().date()

    def snapshot(line: int, row: dict[str, str]) -> list[StockSnapshot]:
        return [StockSnapshot(
            warehouse=warehouse,
            sku=required_text(row, "sku"),
            snapshot_date=on,
            on_hand=_count(row, "afn-warehouse-quantity"),
            pledged=0,
            locked=0,
            unit_cost=None,
            line=line,
        )]

    rows = read_delimited(source, delimiter="\t", required=REQUIRED_COLUMNS)
    return mapped_rows(rows, snapshot)


def _count(row: dict[str, Any], column: str) -> int:
    value = integer_value(required_text(row, column), column)
    if value < 0:
        raise FieldInvalid(column, N_("{value} is negative; a quantity cannot be."), value=str(value))
    return value


# --- movements ------------------------------------------------------------------------------

def parse_warehouse_movements(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    if not isinstance(document, dict) or not isinstance(document.get("movements"), list):
        yield Problem(1, "file", N_("This is not a warehouse movements document: it needs "
                                    "\"warehouse\" and a \"movements\" list."))
        return
    try:
        warehouse = required_text(document, "warehouse")
    except FieldInvalid as invalid:
        yield invalid.problem(1)
        return
    seen: set[str] = set()
    for line, movement in enumerate(document["movements"], start=1):
        try:
            record = _movement(movement, warehouse, line)
        except FieldInvalid as invalid:
            yield invalid.problem(line)
            continue
        if record.movement_id in seen:
            yield Problem(line, "id", N_("Movement {value} appears more than once."),
                          {"value": record.movement_id})
            continue
        seen.add(record.movement_id)
        yield record


def _movement(movement: Any, warehouse: str, line: int) -> StockMovement:
    if not isinstance(movement, dict):
        raise FieldInvalid("movements", N_("A movement must be an object."))
    kind_text = required_text(movement, "type")
    try:
        kind = StockMovementKind(kind_text)
    except ValueError:
        raise FieldInvalid("type", N_("{value} is not a movement type."), value=kind_text) from None
    quantity = _movement_quantity(movement, kind)
    return StockMovement(
        warehouse=warehouse,
        movement_id=required_text(movement, "id"),
        sku=required_text(movement, "sku"),
        kind=kind,
        quantity=quantity,
        moved_at=datetime_value(required_text(movement, "occurred_at"), "occurred_at"),
        reference=optional_text(movement, "reference"),
        line=line,
    )


def _movement_quantity(movement: dict[str, Any], kind: StockMovementKind) -> int:
    """Units moved. The type gives the direction, so the quantity is positive; only an
    adjustment (a count correction) carries its own sign."""
    raw = movement.get("quantity")
    if raw is None or raw == "":
        raise FieldInvalid("quantity", N_("A value is required."))
    if isinstance(raw, bool | list | dict):
        raise FieldInvalid("quantity", N_("{value} is not a number."), value=str(raw))
    quantity = integer_value(raw, "quantity")
    if quantity == 0 or (quantity < 0 and kind is not StockMovementKind.ADJUSTMENT):
        raise FieldInvalid("quantity", N_("{value} must be a positive number of units."),
                           value=str(quantity))
    return quantity
