"""Meeting a loan's disbursement conditions the honest way, for every test that needs a disbursed
loan: the seller signs the contract through the contracts service (a one-time code from a browser
session, then the platform countersigns) and, for order financing, the carrier's tracking file says
the financed shipment arrived at the warehouse (ingested like any tracking file). The events of both
evaluate the conditions; the last one met disburses the loan.

``disbursed_loan`` is the one way tests obtain a disbursed loan (the integrator adapts it here)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow import demo_seller_actions as seller_actions
from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.lending.contracts.models import LendingContract
from fourflow.lending.contracts.service import pki
from fourflow.lending.loans import service
from fourflow.lending.loans.models import Loan
from fourflow.lending.products import DISBURSEMENT_CONDITIONS, ConditionKind
from fourflow.tradedata.service import profiles
from tests.conftest import TEST_SECRET_KEY

CONTEXT = AuditContext.system()
WAREHOUSE = "DE-FRA-01"


def shipment_for(offer_id: uuid.UUID, warehouse: str = WAREHOUSE) -> service.FinancedShipment:
    return service.FinancedShipment(f"SF{offer_id.hex[:12].upper()}", warehouse)


def book(session: Session, offer_id: uuid.UUID, key: str, **kwargs: object) -> Loan:
    """Book as the tests always did; order financing names its shipment (it waits for the goods)."""
    product = session.execute(text("SELECT product FROM lending_offers WHERE id = :id"),
                              {"id": offer_id}).scalar_one()
    if ConditionKind.GOODS_ARRIVED in DISBURSEMENT_CONDITIONS[product]:
        kwargs.setdefault("shipment", shipment_for(offer_id))
    return service.book_loan(session, CONTEXT, offer_id, key, **kwargs)  # type: ignore[arg-type]


def ingest_tracking(session: Session, seller: uuid.UUID, tracking_number: str, warehouse: str = WAREHOUSE, *,
                    arrived: bool = True, at: datetime | None = None) -> None:
    seller_actions.deliver_shipment(session, seller, tracking_number, warehouse, secret=TEST_SECRET_KEY,
                                    arrived=arrived, at=at)


def sign_contract(session: Session, offer_id: uuid.UUID) -> LendingContract:
    """The seller's owner signs from a browser session with the mailed one-time code; the platform
    countersigns in the same call."""
    register_seller(session, offer_id)
    return seller_actions.sign_as_seller(session, offer_id, secret=TEST_SECRET_KEY)


def register_seller(session: Session, offer_id: uuid.UUID) -> None:
    """What a contract needs beyond the offer: the platform PKI, and the seller's registry record,
    which the tests' demo world lacks (the seller of the offer gets one)."""
    pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
    seller = session.execute(text("SELECT seller_organisation_id FROM lending_offers WHERE id = :id"),
                             {"id": offer_id}).scalar_one()
    if not profiles.registry_records(session, seller):
        name = session.execute(text("SELECT name FROM organisations WHERE id = :id"),
                               {"id": seller}).scalar_one()
        profiles.record_registry_record(session, CONTEXT, seller, profiles.RegistryFacts(
            registry_name="CN-SAMR", company_number=f"91440300{seller.hex[:10].upper()}", legal_name=name,
            status="active", country="CN",
            registered_address="88 Keyuan Road, Nanshan, Shenzhen 518057, China",
            incorporated_on=date(2019, 3, 1), phone=None, email=None, officers=(), tax_filings=(),
            checked_at=get_clock().now() - timedelta(days=1)))


def deliver_financed_goods(session: Session, loan: Loan) -> Loan:
    """The loan's shipment, if it waits for one, arrives at its warehouse (the tracking file's event)."""
    return seller_actions.deliver_financed_goods(session, loan, secret=TEST_SECRET_KEY)


def meet_conditions(session: Session, loan: Loan) -> Loan:
    """Sign the contract and, when the loan waits for goods, deliver them (``demo_seller_actions``)."""
    sign_contract(session, loan.offer_id)
    return seller_actions.deliver_financed_goods(session, loan, secret=TEST_SECRET_KEY)


def disbursed_loan(session: Session, offer_id: uuid.UUID, key: str) -> Loan:
    """Booked on the offer, its conditions met, and so disbursed (the one helper for a disbursed loan)."""
    loan = meet_conditions(session, book(session, offer_id, key))
    assert loan.status == "active", loan.status
    return loan
