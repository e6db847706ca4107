"""A seller's shipment as its carrier reported it, checkpoint by checkpoint (for rules that wait on
goods, such as disbursement conditions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fourflow.core.i18n import N_
from fourflow.tradedata import repository
from fourflow.tradedata.records import ShipmentStatus

# The carrier-independent statuses as readers see them (msgids).
SHIPMENT_STATUS_LABELS = {
    ShipmentStatus.INFO_RECEIVED.value: N_("announced to the carrier"),
    ShipmentStatus.IN_TRANSIT.value: N_("in transit"),
    ShipmentStatus.CUSTOMS_HOLD.value: N_("held at customs"),
    ShipmentStatus.OUT_FOR_DELIVERY.value: N_("out for delivery"),
    ShipmentStatus.DELIVERED.value: N_("delivered"),
    ShipmentStatus.EXCEPTION.value: N_("held up by a carrier exception"),
    ShipmentStatus.RETURNED.value: N_("returned to the sender"),
    ShipmentStatus.ARRIVED_AT_WAREHOUSE.value: N_("arrived at a warehouse"),
}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    carrier: str
    status: str  # one of ShipmentStatus
    carrier_status: str
    event_at: datetime
    warehouse: str | None


def shipment_checkpoints(session: Session, seller_organisation_id: uuid.UUID,
                         tracking_number: str) -> list[Checkpoint]:
    return [Checkpoint(*row) for row in repository.shipment_checkpoints(session, seller_organisation_id,
                                                                        tracking_number)]


def arrival_at_warehouse(checkpoints: list[Checkpoint], warehouse: str) -> Checkpoint | None:
    """The first checkpoint saying the goods arrived at this warehouse (codes compared without case)."""
    wanted = warehouse.strip().casefold()
    for checkpoint in checkpoints:
        if checkpoint.status == ShipmentStatus.ARRIVED_AT_WAREHOUSE.value and \
                (checkpoint.warehouse or "").strip().casefold() == wanted:
            return checkpoint
    return None
