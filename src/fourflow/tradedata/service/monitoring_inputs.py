"""What post-loan monitoring (lending) reads of a seller's trade: sales in a period and the units
pledged to the platform per SKU on a day."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.tradedata import repository


def sales_between(session: Session, seller_organisation_id: uuid.UUID, start: datetime, end: datetime,
                  currency: str) -> Decimal:
    """Σ order totals in ``currency`` purchased in [start, end), cancelled orders left out."""
    return repository.sales_by_currency(session, seller_organisation_id, start, end).get(currency, Decimal(0))


def pledged_units(session: Session, seller_organisation_id: uuid.UUID, on: date) -> dict[str, int]:
    """Units pledged per SKU (every warehouse) as the newest snapshots on or before ``on`` show them."""
    units: dict[str, int] = defaultdict(int)
    for row in repository.latest_stock(session, seller_organisation_id, on):
        units[row.sku] += row.pledged
    return dict(sorted(units.items()))
