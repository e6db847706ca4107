"""What the seller's insights (``fourflow.insights``) read of their trade: units sold per SKU, stock
per SKU, marketplace deposits, the time from sale to payout and how long inbound shipments took."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.tradedata import repository
from fourflow.tradedata.repository import DepositRow, InboundShipmentRow, StockRow

__all__ = ["DepositRow", "InboundShipmentRow", "StockRow", "deposits", "inbound_shipments",
           "latest_trade_day", "marketplaces", "sale_to_payout_days", "sales_by_currency",
           "stock_on", "units_sold"]


def units_sold(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
               end: datetime) -> dict[str, int]:
    return repository.units_sold_by_sku(session, seller_organisation_id, start, end)


def stock_on(session: Session, seller_organisation_id: uuid.UUID, on: date) -> list[StockRow]:
    """Each warehouse's SKUs as their newest snapshot on or before ``on`` shows them; a warehouse
    without snapshots, as its movements add up to by the end of ``on``."""
    return (repository.latest_stock(session, seller_organisation_id, on)
            + repository.stock_from_movements(session, seller_organisation_id, on))


def deposits(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
             cutoff: datetime) -> list[DepositRow]:
    return repository.deposits(session, seller_organisation_id, since, cutoff)


def sale_to_payout_days(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
                        cutoff: datetime) -> tuple[Decimal | None, int]:
    return repository.sale_to_payout_days(session, seller_organisation_id, since, cutoff)


def inbound_shipments(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
                      cutoff: datetime) -> list[InboundShipmentRow]:
    return repository.inbound_shipments(session, seller_organisation_id, since, cutoff)


def latest_trade_day(session: Session, seller_organisation_id: uuid.UUID) -> date | None:
    """The newest day in any of the seller's flows: where their data ends."""
    return repository.latest_trade_day(session, seller_organisation_id)


def marketplaces(session: Session, seller_organisation_id: uuid.UUID) -> list[str]:
    return repository.marketplaces_of(session, seller_organisation_id)


def sales_by_currency(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                      end: datetime) -> dict[str, Decimal]:
    """Σ order totals per currency purchased in [start, end), cancelled orders left out."""
    return repository.sales_by_currency(session, seller_organisation_id, start, end)
