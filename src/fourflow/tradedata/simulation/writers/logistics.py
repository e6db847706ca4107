"""Writers for the demo world: tracking (AfterShip), warehouse stock (Amazon FBA Manage
Inventory report), warehouse movements and customs declarations (our published schemas).

Each takes canonical records and returns the file exactly as the vendor (or our schema) lays it
out, so the connectors read the demo world through the same code as a seller's upload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from fourflow.tradedata.connectors.logistics.tracking import (
    STATUS_BY_SUBTAG,
    STATUS_BY_TAG,
    WAREHOUSE_CUSTOM_FIELD,
)
from fourflow.tradedata.connectors.warehouse.stock import MANAGE_INVENTORY_COLUMNS
from fourflow.tradedata.records import (
    CustomsDeclaration,
    ShipmentStatus,
    StockMovement,
    StockSnapshot,
    TrackingEvent,
)

# The AfterShip sub-status a demo event gets when its carrier_status is not an AfterShip code.
SUBTAG_FOR_STATUS: dict[ShipmentStatus, str] = {
    ShipmentStatus.INFO_RECEIVED: "InfoReceived_001",
    ShipmentStatus.IN_TRANSIT: "InTransit_001",
    ShipmentStatus.CUSTOMS_HOLD: "InTransit_006",
    ShipmentStatus.OUT_FOR_DELIVERY: "OutForDelivery_001",
    ShipmentStatus.DELIVERED: "Delivered_001",
    ShipmentStatus.EXCEPTION: "Exception_001",
    ShipmentStatus.RETURNED: "Exception_011",
    ShipmentStatus.ARRIVED_AT_WAREHOUSE: "Delivered_001",
}


# --- tracking -------------------------------------------------------------------------------

def write_tracking_json(events: Iterable[TrackingEvent]) -> str:
    """A GET /trackings response: events grouped into trackings by carrier and number, in the
    order they first appear; each tracking's tag is that of its last checkpoint."""
    trackings: dict[tuple[str, str], list[TrackingEvent]] = {}
    for event in events:
        trackings.setdefault((event.carrier, event.tracking_number), []).append(event)
    body = [_tracking(group) for group in trackings.values()]
    document = {"meta": {"code": 200},
                "data": {"page": 1, "limit": 100, "count": len(body), "trackings": body}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _tracking(events: list[TrackingEvent]) -> dict[str, Any]:
    first = events[0]
    warehouse = next((event.warehouse for event in events if event.warehouse), None)
    checkpoints = [_checkpoint(event) for event in events]
    return {
        "id": _stable_id(first.carrier, first.tracking_number),
        "tracking_number": first.tracking_number,
        "slug": first.carrier,
        "order_id": first.order_id,
        "custom_fields": {WAREHOUSE_CUSTOM_FIELD: warehouse} if warehouse else None,
        "tag": checkpoints[-1]["tag"],
        "subtag": checkpoints[-1]["subtag"],
        "checkpoints": checkpoints,
    }


def _checkpoint(event: TrackingEvent) -> dict[str, Any]:
    tag, subtag = aftership_tag(event)
    return {
        "slug": event.carrier,
        "city": None,
        "state": None,
        "country_iso3": None,
        "location": event.location,
        "message": event.message,
        "tag": tag,
        "subtag": subtag,
        "checkpoint_time": _iso(event.event_at),
    }


def aftership_tag(event: TrackingEvent) -> tuple[str, str | None]:
    """The event's own AfterShip code when it has one that reads back as its status; else the
    canonical sub-status for the status."""
    code = event.carrier_status
    tag = code.split("_", 1)[0]
    subtag = code if "_" in code else None
    wanted = (ShipmentStatus.DELIVERED if event.status is ShipmentStatus.ARRIVED_AT_WAREHOUSE
              else event.status)
    if tag in STATUS_BY_TAG and STATUS_BY_SUBTAG.get(code, STATUS_BY_TAG[tag]) is wanted:
        return tag, subtag
    fallback = SUBTAG_FOR_STATUS[event.status]
    return fallback.split("_", 1)[0], fallback


def _stable_id(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- warehouse ------------------------------------------------------------------------------

def write_warehouse_stock_csv(snapshots: Iterable[StockSnapshot]) -> str:
    """The FBA Manage Inventory report (tab-delimited). All on-hand units are written as
    fulfillable; the report has no place for warehouse, date, pledged, locked or cost."""
    lines = ["\t".join(MANAGE_INVENTORY_COLUMNS)]
    for snapshot in snapshots:
        row = dict.fromkeys(MANAGE_INVENTORY_COLUMNS, "0")
        row.update({
            "sku": snapshot.sku, "fnsku": "", "asin": "", "product-name": "", "condition": "New",
            "your-price": "", "mfn-listing-exists": "No", "mfn-fulfillable-quantity": "",
            "afn-listing-exists": "Yes", "per-unit-volume": "",
            "afn-warehouse-quantity": str(snapshot.on_hand),
            "afn-fulfillable-quantity": str(snapshot.on_hand),
            "afn-total-quantity": str(snapshot.on_hand),
        })
        lines.append("\t".join(row[column] for column in MANAGE_INVENTORY_COLUMNS))
    return "\r\n".join(lines) + "\r\n"


def write_warehouse_movements_json(movements: Iterable[StockMovement]) -> str:
    """published_schemas/warehouse-movements.schema.json; one document is one warehouse."""
    entries = list(movements)
    warehouses = {movement.warehouse for movement in entries}
    if len(warehouses) > 1:
        raise ValueError(f"one movements document per warehouse, got {sorted(warehouses)}")
    document = {
        "warehouse": warehouses.pop() if warehouses else "",
        "movements": [{
            "id": movement.movement_id,
            "sku": movement.sku,
            "type": movement.kind.value,
            "quantity": movement.quantity,
            "occurred_at": _iso(movement.moved_at),
            "reference": movement.reference,
        } for movement in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- customs --------------------------------------------------------------------------------

def write_customs_json(declarations: Iterable[CustomsDeclaration]) -> str:
    """published_schemas/customs-declarations.schema.json; amounts as strings so no float creeps in."""
    document = {"declarations": [{
        "declaration_id": declaration.declaration_id,
        "declared_at": _iso(declaration.declared_at),
        "status": declaration.status,
        "hs_code": declaration.hs_code,
        "description": declaration.description,
        "quantity": _decimal(declaration.quantity),
        "unit": declaration.unit,
        "declared_value": _decimal(declaration.declared_value.amount),
        "currency": declaration.declared_value.currency,
        "origin_country": declaration.origin_country,
        "destination_country": declaration.destination_country,
        "port_of_loading": declaration.port_of_loading,
        "port_of_discharge": declaration.port_of_discharge,
        "reference": declaration.reference,
    } for declaration in declarations]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _decimal(value: Decimal) -> str:
    return format(value, "f")
