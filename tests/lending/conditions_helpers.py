"""Meeting a loan's disbursement conditions the honest way, for every test that needs a disbursed
loan: the seller signs the contract through the contracts service (a one-time code from a browser
session, then the platform countersigns) and, for order financing, the carrier's tracking file says
the financed shipment arrived at the warehouse (ingested like any tracking file). The events of both
evaluate the conditions; the last one met disburses the loan.

``disbursed_loan`` is the one way tests obtain a disbursed loan (the integrator adapts it here)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.core.security import new_secret, secret_digest
from fourflow.identity.models import UserSession
from fourflow.lending.contracts.models import LendingContract
from fourflow.lending.contracts.service import contracts, pki
from fourflow.lending.loans import service
from fourflow.lending.loans.models import Loan
from fourflow.lending.products import DISBURSEMENT_CONDITIONS, ConditionKind
from fourflow.tradedata import service as tradedata
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


def tracking_file(tracking_number: str, warehouse: str, *, arrived: bool, at: datetime) -> bytes:
    """An AfterShip webhook: picked up the day before ``at``, and (``arrived``) delivered into the
    warehouse named in the tracking's ``warehouse_code`` at ``at``."""
    # Picked up at midnight the day before: the same checkpoint in every file about this shipment.
    picked_up = at.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    checkpoints = [{"slug": "sf-express", "checkpoint_time": picked_up.isoformat(),
                    "location": "Shenzhen, Guangdong, CHN", "message": "Picked up", "tag": "InTransit",
                    "subtag": "InTransit_002"}]
    if arrived:
        checkpoints.append({"slug": "sf-express", "checkpoint_time": at.isoformat(), "location": "Frankfurt",
                            "message": "Delivered to the warehouse", "tag": "Delivered",
                            "subtag": "Delivered_001"})
    return json.dumps({"event": "tracking_update", "event_id": str(uuid.uuid4()), "msg": {
        "tracking_number": tracking_number, "slug": "sf-express",
        "custom_fields": {"warehouse_code": warehouse},
        "tag": "Delivered" if arrived else "InTransit", "checkpoints": checkpoints}}).encode()


def ingest_tracking(session: Session, seller: uuid.UUID, tracking_number: str, warehouse: str = WAREHOUSE, *,
                    arrived: bool = True) -> None:
    tradedata.ingest(session, CONTEXT, seller_organisation_id=seller, format="tracking-json",
                     source=io.BytesIO(tracking_file(tracking_number, warehouse, arrived=arrived,
                                                     at=get_clock().now() - timedelta(hours=1))),
                     filename="tracking.json", channel="api", secret=TEST_SECRET_KEY)


def sign_contract(session: Session, offer_id: uuid.UUID) -> LendingContract:
    """The seller's owner signs from a browser session with the mailed one-time code; the platform
    countersigns in the same call."""
    pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
    seller = session.execute(text("SELECT seller_organisation_id FROM lending_offers WHERE id = :id"),
                             {"id": offer_id}).scalar_one()
    if not profiles.registry_records(session, seller):  # a contract names the seller's registered company
        name = session.execute(text("SELECT name FROM organisations WHERE id = :id"),
                               {"id": seller}).scalar_one()
        profiles.record_registry_record(session, CONTEXT, seller, profiles.RegistryFacts(
            registry_name="CN-SAMR", company_number=f"91440300{seller.hex[:10].upper()}", legal_name=name,
            status="active", country="CN",
            registered_address="88 Keyuan Road, Nanshan, Shenzhen 518057, China",
            incorporated_on=date(2019, 3, 1), phone=None, email=None, officers=(), tax_filings=(),
            checked_at=get_clock().now() - timedelta(days=1)))
    contract, _ = contracts.contract_for_offer(session, CONTEXT, offer_id, "en", seller_organisation_id=None)
    user_id, email, name, organisation, organisation_name = session.execute(text(
        "SELECT u.id, u.email, u.display_name, o.id, o.name FROM users u JOIN organisations o "
        "ON o.id = u.organisation_id WHERE o.id = :seller ORDER BY u.email LIMIT 1"),
        {"seller": contract.seller_organisation_id}).one()
    browser = UserSession(id=uuid.uuid4(), user_id=user_id, token_digest=secret_digest(new_secret()),
                          csrf_token=new_secret(24), expires_at=get_clock().now() + timedelta(hours=1))
    session.add(browser)
    session.flush()
    signer = contracts.Signer(organisation, organisation_name, user_id, browser.id, name, email, "en")
    code = contracts.request_signing_code(session, CONTEXT, contract.id, signer, secret=TEST_SECRET_KEY)
    return contracts.sign(session, CONTEXT, contract.id, signer,
                          contracts.signing_code_for(TEST_SECRET_KEY, code.id), secret=TEST_SECRET_KEY)


def meet_conditions(session: Session, loan: Loan) -> Loan:
    """Sign the contract and, when the loan waits for goods, deliver them; returns the loan as the
    events left it (disbursed into the wallet, or ``disbursing`` to a supplier)."""
    sign_contract(session, loan.offer_id)
    for condition in service.conditions(session, loan):
        if condition.kind == ConditionKind.GOODS_ARRIVED.value and \
                condition.parameters.get("tracking_number"):
            ingest_tracking(session, loan.seller_organisation_id, condition.parameters["tracking_number"],
                            condition.parameters["warehouse"])
    session.refresh(loan)
    return loan


def disbursed_loan(session: Session, offer_id: uuid.UUID, key: str) -> Loan:
    """Booked on the offer, its conditions met, and so disbursed (the one helper for a disbursed loan)."""
    loan = meet_conditions(session, book(session, offer_id, key))
    assert loan.status == "active", loan.status
    return loan
