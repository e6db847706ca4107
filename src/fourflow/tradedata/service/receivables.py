"""What lending's daily advance reads of the trade data: the orders that shipped on a day and have not
been paid by their marketplace yet, and the orders a payout (settlement) pays.

An order *shipped* on day D (UTC) when its first carrier scan that shows the parcel in the carrier's
hands (``trade_tracking_events`` naming the order, status ``in_transit``, ``customs_hold``,
``out_for_delivery`` or ``delivered``; a label created is not a shipment) falls on D. It is *unpaid*
while no settlement line of a sale (``trade_settlement_lines``, kind ``sale``) names it in a settlement
(``trade_settlements``) deposited by the time asked about, or without a deposit date. It counts when
it is in the asked currency, was bought (``trade_orders.purchased_at``) within the window before D,
is neither cancelled nor refunded (its status), has no return (``trade_returns``) and a positive total
(``total``, else ``line_items_total``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from fourflow.tradedata import repository
from fourflow.tradedata.repository import SettlementRow, ShippedOrderRow

SHIPPED_UNPAID_DEFINITION = "shipped-unpaid@v1"

__all__ = ["SHIPPED_UNPAID_DEFINITION", "SettlementRow", "ShippedOrderRow", "latest_deposited_settlement",
           "orders_in_settlement", "shipped_unpaid_orders"]


def shipped_unpaid_orders(session: Session, seller_organisation_id: uuid.UUID, currency: str, day: date, *,
                          purchase_window_days: int, as_of: datetime) -> list[ShippedOrderRow]:
    start = datetime.combine(day, time(0), UTC)
    return repository.shipped_unpaid_orders(session, seller_organisation_id, currency, start,
                                            start + timedelta(days=1),
                                            start - timedelta(days=purchase_window_days), as_of)


def latest_deposited_settlement(session: Session, seller_organisation_id: uuid.UUID, marketplace: str,
                                currency: str, deposited_after: datetime,
                                deposited_by: datetime) -> SettlementRow | None:
    return repository.latest_deposited_settlement(session, seller_organisation_id, marketplace, currency,
                                                  deposited_after, deposited_by)


def orders_in_settlement(session: Session, seller_organisation_id: uuid.UUID, settlement_id: str) -> set[str]:
    return repository.orders_in_settlement(session, seller_organisation_id, settlement_id)
