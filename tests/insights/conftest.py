"""Insights fixtures: a small trade history for lumen-electronics, written straight into the trade
tables so every figure can be computed by hand, and (through ONE helper) a disbursed loan.

The data ends on 30 September 2026 (the newest deposit and stock snapshot); the clock is 15 October
2026 (the loans' fixtures' NOW). What it holds:
- stock on 30 Sep at AMAZON-FBA-US: LAMP-01 120 on hand, 20 locked (100 available), cost 10.00 USD;
  CABLE-01 300 on hand, cost 2.00 USD (an older LAMP-01 snapshot of 1 Sep, 999 units, is superseded);
- orders (amazon.com, USD): Apr, May, Jun 1,000.00 each; 15 Jul 300.00 (OLD-01 ×5, no stock); 10 Aug
  900.00 (LAMP-01 ×30); 5 Sep 1,200.00 (LAMP-01 ×40), 12 Sep 600.00 (LAMP-01 ×20), 20 Sep 300.00
  (CABLE-01 ×30); a cancelled 25 Sep order of LAMP-01 ×500 (ignored); 8 Sep 50.00 EUR on amazon.de;
- deposits (amazon.com, USD): 19 Aug 700.00, 2 Sep 800.00, 16 Sep 900.00, 30 Sep 1,000.00; a sale
  line posted 9 Sep paid on 16 Sep (7 days), one posted 20 Sep paid on 30 Sep (10 days);
- shipments: MAEU1 booked 1 Jul 00:00, LAMP-01 and CABLE-01 in on 10 Aug 12:00 (40.5 → 41 days);
  MAEU2 booked 1 Aug, LAMP-01 in on 5 Sep (35 days).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.lending.loans.models import Loan
from fourflow.tradedata.models import (
    IngestBatch,
    Order,
    OrderLine,
    Settlement,
    SettlementLine,
    StockMovement,
    StockSnapshot,
    Store,
    TrackingEvent,
)
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import NOW, accepted_offer, clock, seller_id

__all__ = ["NOW", "clock", "disbursed_loan", "trade_history"]

SELLER = "lumen-electronics"


def _at(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def disbursed_loan(session: Session, slug: str = SELLER, key: str = "insights-1") -> Loan:
    """10,000.00 USD at 12 % for 30 days (bullet), disbursed on 15 Oct 2026: 10,098.63 due 14 Nov."""
    offer = accepted_offer(session, seller=seller_id(session, slug))
    # Its goods arrived on the day the trade history ends (a later tracking event would move where
    # the seller's data ends, and with it every figure); the contract signed today disburses it.
    loan = conditions_helpers.book(session, offer.id, key)
    conditions_helpers.ingest_tracking(session, loan.seller_organisation_id,
                                       conditions_helpers.shipment_for(offer.id).tracking_number,
                                       at=_at(2026, 9, 30))
    conditions_helpers.sign_contract(session, offer.id)
    session.refresh(loan)
    assert loan.status == "active", loan.status
    return loan


def trade_history(session: Session, slug: str = SELLER) -> uuid.UUID:
    seller = seller_id(session, slug)
    batch = IngestBatch(seller_organisation_id=seller, format="push-json", filename="insights.json",
                        content_sha256="0" * 64, encoding="utf-8", size_bytes=1, rows=1, inserted=1,
                        updated=0, duplicates=0, channel="cli")
    session.add(batch)
    session.flush()
    line = iter(range(1, 1000))
    ingested: dict[str, Any] = {"seller_organisation_id": seller, "batch_id": batch.id}
    session.add_all([
        Store(seller_organisation_id=seller, marketplace="amazon.com", currency="USD"),
        Store(seller_organisation_id=seller, marketplace="amazon.de", currency="EUR"),
    ])
    orders = [  # (marketplace, id, day, status, currency, total, [(sku, units)])
        ("amazon.com", "A-APR", _at(2026, 4, 10), "Shipped", "USD", "1000.00", []),
        ("amazon.com", "A-MAY", _at(2026, 5, 10), "Shipped", "USD", "1000.00", []),
        ("amazon.com", "A-JUN", _at(2026, 6, 10), "Shipped", "USD", "1000.00", []),
        ("amazon.com", "A-JUL", _at(2026, 7, 15), "Shipped", "USD", "300.00", [("OLD-01", 5)]),
        ("amazon.com", "A-AUG", _at(2026, 8, 10), "Shipped", "USD", "900.00", [("LAMP-01", 30)]),
        ("amazon.com", "A-SEP1", _at(2026, 9, 5), "Shipped", "USD", "1200.00", [("LAMP-01", 40)]),
        ("amazon.com", "A-SEP2", _at(2026, 9, 12), "Shipped", "USD", "600.00", [("LAMP-01", 20)]),
        ("amazon.com", "A-SEP3", _at(2026, 9, 20), "Shipped", "USD", "300.00", [("CABLE-01", 30)]),
        ("amazon.com", "A-CANC", _at(2026, 9, 25), "Cancelled", "USD", "9999.00", [("LAMP-01", 500)]),
        ("amazon.de", "D-SEP", _at(2026, 9, 8), "Shipped", "EUR", "50.00", []),
    ]
    for marketplace, order_id, purchased_at, status, currency, total, lines in orders:
        session.add(Order(**ingested, source_line=next(line), marketplace=marketplace, order_id=order_id,
                          purchased_at=purchased_at, status=status, currency=currency, total=Decimal(total)))
        for sku, units in lines:
            session.add(OrderLine(**ingested, source_line=next(line), marketplace=marketplace,
                                  order_id=order_id, line_key=sku, sku=sku, quantity=units, currency=currency,
                                  item_price=Decimal(total) / units))
    deposits = [(_at(2026, 8, 19), "700.00"), (_at(2026, 9, 2), "800.00"), (_at(2026, 9, 16), "900.00"),
                (_at(2026, 9, 30), "1000.00")]
    for number, (deposited, total) in enumerate(deposits):
        session.add(Settlement(**ingested, source_line=next(line), marketplace="amazon.com",
                               settlement_id=f"S{number + 1}", currency="USD", total=Decimal(total),
                               period_start=None, period_end=None, deposit_date=deposited, status=None))
    for settlement_id, posted_at in (("S3", _at(2026, 9, 9)), ("S4", _at(2026, 9, 20))):
        session.add(SettlementLine(**ingested, source_line=next(line), marketplace="amazon.com",
                                   settlement_id=settlement_id, source_key=f"{settlement_id}-sale",
                                   kind="sale",
                                   transaction_type="Order", description="Principal", currency="USD",
                                   amount=Decimal("100.00"), posted_at=posted_at, order_id=None))
    for sku, on, on_hand, locked, cost in (("LAMP-01", date(2026, 9, 1), 999, 0, "10.00"),
                                           ("LAMP-01", date(2026, 9, 30), 120, 20, "10.00"),
                                           ("CABLE-01", date(2026, 9, 30), 300, 0, "2.00")):
        session.add(StockSnapshot(**ingested, source_line=next(line), warehouse="AMAZON-FBA-US", sku=sku,
                                  snapshot_date=on, on_hand=on_hand, pledged=0, locked=locked,
                                  unit_cost_currency="USD", unit_cost=Decimal(cost)))
    for tracking, booked in (("MAEU1", _at(2026, 7, 1)), ("MAEU2", _at(2026, 8, 1))):
        session.add(TrackingEvent(**ingested, source_line=next(line), carrier="maersk",
                                  tracking_number=tracking, status="info_received",
                                  carrier_status="InfoReceived_001", event_at=booked))
    for tracking, sku, arrived in (("MAEU1", "LAMP-01", _at(2026, 8, 10, 12)),
                                   ("MAEU1", "CABLE-01", _at(2026, 8, 10, 12)),
                                   ("MAEU2", "LAMP-01", _at(2026, 9, 5))):
        session.add(StockMovement(**ingested, source_line=next(line), warehouse="AMAZON-FBA-US",
                                  movement_id=f"IN-{tracking}-{sku}", sku=sku, kind="inbound", quantity=100,
                                  moved_at=arrived, reference=tracking))
    session.flush()
    return seller
