"""Trade data for the daily advance, stored as the connectors store it (an ingest batch and its rows):
orders that shipped (a carrier's label, then its first scan), and the settlement that pays them. A
seller under an active receivables-financing loan, enrolled."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.lending.loans import service
from fourflow.lending.loans.models import DailyAdvanceEnrolment, Loan
from fourflow.tradedata.models import IngestBatch, Order, Settlement, SettlementLine, TrackingEvent
from tests.lending.conditions_helpers import CONTEXT, disbursed_loan
from tests.lending.loans.conftest import accepted_offer


def _batch(session: Session, seller: uuid.UUID, format: str) -> uuid.UUID:
    batch = IngestBatch(id=uuid.uuid4(), seller_organisation_id=seller, format=format, filename=None,
                        content_sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(), encoding=None,
                        size_bytes=1, rows=1, inserted=1, updated=0, duplicates=0, uploaded_by_user_id=None,
                        channel="api")
    session.add(batch)
    session.flush()
    return batch.id


def shipped_order(session: Session, seller: uuid.UUID, order_id: str, total: str, shipped_at: datetime, *,
                  currency: str = "USD", status: str = "paid/fulfilled", marketplace: str = "shopify",
                  scanned: bool = True) -> None:
    """Bought a day before ``shipped_at``; the label is made two hours before it and (``scanned``) the
    carrier's first scan is at ``shipped_at``."""
    batch = _batch(session, seller, "shopify-orders")
    session.add(Order(id=uuid.uuid4(), seller_organisation_id=seller, batch_id=batch, source_line=1,
                      marketplace=marketplace, order_id=order_id, purchased_at=shipped_at - timedelta(days=1),
                      status=status, currency=currency, total=Decimal(total), line_items_total=None,
                      ship_country="US", sales_channel="web", buyer_personal_data=None))
    tracking = _batch(session, seller, "tracking-json")
    number = f"9400{order_id}"
    events = [(shipped_at - timedelta(hours=2), "info_received", "InfoReceived_001")]
    if scanned:
        events.append((shipped_at, "in_transit", "InTransit_002"))
    for line, (at, state, code) in enumerate(events, start=1):
        session.add(TrackingEvent(id=uuid.uuid4(), seller_organisation_id=seller, batch_id=tracking,
                                  source_line=line, carrier="usps", tracking_number=number, status=state,
                                  carrier_status=code, event_at=at, location=None, message=None,
                                  order_id=order_id, warehouse=None))
    session.flush()


def settlement(session: Session, seller: uuid.UUID, settlement_id: str, sales: dict[str, str],
               deposited_at: datetime) -> None:
    """The marketplace's payout report naming each order's sale."""
    batch = _batch(session, seller, "shopify-payouts")
    total = sum((Decimal(amount) for amount in sales.values()), Decimal(0))
    session.add(Settlement(id=uuid.uuid4(), seller_organisation_id=seller, batch_id=batch, source_line=1,
                           marketplace="shopify", settlement_id=settlement_id, currency="USD", total=total,
                           period_start=None, period_end=None, deposit_date=deposited_at, status="paid"))
    for line, (order_id, amount) in enumerate(sales.items(), start=2):
        session.add(SettlementLine(
            id=uuid.uuid4(), seller_organisation_id=seller, batch_id=batch, source_line=line,
            marketplace="shopify", settlement_id=settlement_id, source_key=f"{settlement_id}-{order_id}",
            kind="sale", transaction_type="charge", description="card", currency="USD",
            amount=Decimal(amount),
            posted_at=deposited_at - timedelta(days=14), order_id=order_id, sku=None, quantity=None))
    session.flush()


def receivables_facility(session: Session, seller: uuid.UUID, amount: str = "10000.00") -> Loan:
    offer = accepted_offer(session, seller=seller, product="receivables_financing", amount=amount,
                           tenor_days=90)
    return disbursed_loan(session, offer.id, f"facility-{offer.id}")


def enrolled_seller(session: Session, seller: uuid.UUID, amount: str = "10000.00") -> DailyAdvanceEnrolment:
    facility = receivables_facility(session, seller, amount)
    return service.enrol(session, CONTEXT, seller, loan_id=facility.id)
