"""A seller's shipment as its carrier reported it, checkpoint by checkpoint (for rules that wait on
goods, such as disbursement conditions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fourflow.tradedata import repository
from fourflow.tradedata.records import ShipmentStatus


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
