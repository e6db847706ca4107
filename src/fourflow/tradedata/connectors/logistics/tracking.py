"""Carrier tracking from AfterShip's Tracking API: one TrackingEvent per checkpoint.

Accepted documents (AfterShip Tracking API, https://www.aftership.com/docs/tracking):
- the GET /trackings list response ``{"meta": {...}, "data": {"trackings": [tracking, ...]}}``;
- the GET /trackings/{id} response, ``{"data": {"tracking": tracking}}`` in the versions up to
  2023, ``{"data": tracking}`` from 2024 on;
- the webhook body ``{"event": "tracking_update", "event_id": ..., "msg": tracking, "ts": ...}``
  ("Webhook Specifications": ``msg`` carries the tracking object).

``line`` is the 1-based index of the checkpoint in the document (counted across trackings), so a
problem points at the n-th checkpoint the seller sees in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from fourflow.core.i18n import N_
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    load_json,
    optional_text,
    required_text,
)
from fourflow.tradedata.records import Problem, ShipmentStatus, TrackingEvent

# AfterShip's delivery statuses ("tag"), each onto our status set.
STATUS_BY_TAG: dict[str, ShipmentStatus] = {
    "Pending": ShipmentStatus.INFO_RECEIVED,
    "InfoReceived": ShipmentStatus.INFO_RECEIVED,
    "InTransit": ShipmentStatus.IN_TRANSIT,
    "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    # The parcel waits at a pickup point: like out for delivery, the last step before the buyer.
    "AvailableForPickup": ShipmentStatus.OUT_FOR_DELIVERY,
    "Delivered": ShipmentStatus.DELIVERED,
    "AttemptFail": ShipmentStatus.EXCEPTION,
    "Exception": ShipmentStatus.EXCEPTION,
    # No news from the carrier for 30 days: the goods can no longer be located.
    "Expired": ShipmentStatus.EXCEPTION,
}

# Sub-statuses that say more than their tag, from AfterShip's "Delivery Sub-statuses" list.
STATUS_BY_SUBTAG: dict[str, ShipmentStatus] = {
    "InTransit_006": ShipmentStatus.CUSTOMS_HOLD,   # Customs clearance started
    "Exception_004": ShipmentStatus.CUSTOMS_HOLD,   # Delayed (Customs clearance)
    "Exception_010": ShipmentStatus.RETURNED,       # Returning to sender
    "Exception_011": ShipmentStatus.RETURNED,       # Returned to sender
}

# AfterShip has no "arrived at warehouse" status. Our rule: when the seller creates the tracking
# of an inbound shipment, they set the custom field ``warehouse_code`` (AfterShip's documented
# ``custom_fields`` object, free key/values set at creation) to the receiving warehouse; a
# Delivered checkpoint of such a tracking is the arrival at that warehouse.
WAREHOUSE_CUSTOM_FIELD = "warehouse_code"


def parse_tracking_events(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    trackings = _trackings_of(document)
    if trackings is None:
        yield Problem(1, "file", N_("This is not an AfterShip trackings response or webhook."))
        return
    seen: set[str] = set()
    index = 0
    for tracking in trackings:
        for item in _tracking_events(tracking, index):
            if isinstance(item, TrackingEvent):
                key = tracking_event_key(item)
                if key in seen:  # AfterShip repeats a checkpoint when a carrier re-sends it
                    continue
                seen.add(key)
            yield item
        index += _checkpoint_count(tracking)


def tracking_event_key(event: TrackingEvent) -> str:
    """What makes a checkpoint the same checkpoint when it is received again (in a later
    webhook or page): carrier, tracking number, checkpoint time and AfterShip tag."""
    tag = event.carrier_status.split("_", 1)[0]
    return f"{event.carrier}|{event.tracking_number}|{event.event_at.isoformat()}|{tag}"


def _trackings_of(document: Any) -> list[Any] | None:
    if not isinstance(document, dict):
        return None
    if "msg" in document and "event" in document:
        return [document["msg"]] if isinstance(document["msg"], dict) else None
    data = document.get("data")
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("trackings"), list):
        return list(data["trackings"])
    if isinstance(data.get("tracking"), dict):
        return [data["tracking"]]
    if "tracking_number" in data:
        return [data]
    return None


def _checkpoint_count(tracking: Any) -> int:
    checkpoints = tracking.get("checkpoints") if isinstance(tracking, dict) else None
    return len(checkpoints) if isinstance(checkpoints, list) else 0


def _tracking_events(tracking: Any, before: int) -> Iterator[TrackingEvent | Problem]:
    """The events of one tracking; ``before`` is how many checkpoints came before it."""
    checkpoints = (tracking.get("checkpoints") if isinstance(tracking, dict) else None) or []
    if not isinstance(tracking, dict) or not isinstance(checkpoints, list):
        yield Problem(before + 1, "checkpoints", N_("A tracking must be an object with a list "
                                                    "of checkpoints."))
        return
    if not checkpoints:
        return
    try:
        carrier = required_text(tracking, "slug")
        tracking_number = required_text(tracking, "tracking_number")
    except FieldInvalid as invalid:
        yield invalid.problem(before + 1)
        return
    order_id = optional_text(tracking, "order_id")
    warehouse = _warehouse_of(tracking)
    for position, checkpoint in enumerate(checkpoints, start=before + 1):
        try:
            yield _event(checkpoint, carrier, tracking_number, order_id, warehouse, position)
        except FieldInvalid as invalid:
            yield invalid.problem(position)


def _warehouse_of(tracking: dict[str, Any]) -> str | None:
    custom_fields = tracking.get("custom_fields")
    if not isinstance(custom_fields, dict):
        return None
    return optional_text(custom_fields, WAREHOUSE_CUSTOM_FIELD)


def _event(checkpoint: Any, carrier: str, tracking_number: str, order_id: str | None,
           warehouse: str | None, line: int) -> TrackingEvent:
    if not isinstance(checkpoint, dict):
        raise FieldInvalid("checkpoints", N_("A checkpoint must be an object."))
    tag = required_text(checkpoint, "tag")
    subtag = optional_text(checkpoint, "subtag")
    status = shipment_status(tag, subtag)
    arrived = status is ShipmentStatus.DELIVERED and warehouse is not None
    # checkpoint_time is the carrier's local time, with its offset when the carrier gives one;
    # without an offset it is taken as UTC (datetime_value), the only reading that is stable.
    event_at = datetime_value(required_text(checkpoint, "checkpoint_time"), "checkpoint_time")
    return TrackingEvent(
        carrier=carrier,
        tracking_number=tracking_number,
        status=ShipmentStatus.ARRIVED_AT_WAREHOUSE if arrived else status,
        carrier_status=subtag or tag,
        event_at=event_at,
        location=_location(checkpoint),
        message=optional_text(checkpoint, "message"),
        order_id=order_id,
        warehouse=warehouse if arrived else None,
        line=line,
    )


def shipment_status(tag: str, subtag: str | None) -> ShipmentStatus:
    if subtag in STATUS_BY_SUBTAG:
        return STATUS_BY_SUBTAG[subtag]
    if tag not in STATUS_BY_TAG:
        raise FieldInvalid("tag", N_("{value} is not an AfterShip delivery status."), value=tag)
    return STATUS_BY_TAG[tag]


def _location(checkpoint: dict[str, Any]) -> str | None:
    """City, state and country as the checkpoint gives them (country_region replaced
    country_iso3 in the 2024 API versions); the carrier's own ``location`` text otherwise."""
    country = optional_text(checkpoint, "country_iso3") or optional_text(checkpoint, "country_region")
    parts = [optional_text(checkpoint, "city"), optional_text(checkpoint, "state"), country]
    present = [part for part in parts if part]
    return ", ".join(present) if present else optional_text(checkpoint, "location")
