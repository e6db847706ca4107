"""What a demo seller (and their carrier) does by hand, done through the real services for the demo
world and the tests: the seller's owner signs the contract of an offer from a browser session with
the one-time code the platform mails (the platform countersigns in the same call), and the carrier
sends an AfterShip tracking file saying the financed shipment arrived at the warehouse. Both are the
events that meet a loan's disbursement conditions (``lending.loans``)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.core.security import new_secret, secret_digest
from fourflow.identity.models import UserSession
from fourflow.lending.contracts.models import LendingContract
from fourflow.lending.contracts.service import contracts
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.lending.products import ConditionKind
from fourflow.tradedata import service as tradedata

CONTEXT = AuditContext.system()


def sign_as_seller(session: Session, offer_id: uuid.UUID, *, secret: str) -> LendingContract:
    """The seller's first user (by e-mail) opens the contract of the accepted offer in a browser
    session, asks for the code, reads it from the mail (derived from the platform secret, as the mail
    job derives it) and signs; the platform countersigns at once."""
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
    code = contracts.request_signing_code(session, CONTEXT, contract.id, signer, secret=secret)
    return contracts.sign(session, CONTEXT, contract.id, signer, contracts.signing_code_for(secret, code.id),
                          secret=secret)


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


def deliver_shipment(session: Session, seller: uuid.UUID, tracking_number: str, warehouse: str, *,
                     secret: str, arrived: bool = True, at: datetime | None = None) -> None:
    """The carrier's tracking file (of an hour ago unless ``at``) ingested through the tracking
    connector."""
    at = at or get_clock().now() - timedelta(hours=1)
    tradedata.ingest(session, CONTEXT, seller_organisation_id=seller, format="tracking-json",
                     source=io.BytesIO(tracking_file(tracking_number, warehouse, arrived=arrived, at=at)),
                     filename="tracking.json", channel="api", secret=secret)


def deliver_financed_goods(session: Session, loan: Loan, *, secret: str) -> Loan:
    """When the loan waits for goods, its shipment arrives; returns the loan as the events left it."""
    for condition in loans.conditions(session, loan):
        named = condition.parameters
        if condition.kind == ConditionKind.GOODS_ARRIVED.value and named.get("tracking_number"):
            deliver_shipment(session, loan.seller_organisation_id, named["tracking_number"],
                             named["warehouse"], secret=secret)
    session.refresh(loan)
    return loan


def meet_conditions(session: Session, loan: Loan, *, secret: str) -> Loan:
    """Sign the contract and, when the loan waits for goods, deliver them; returns the loan as the
    events left it (disbursed into the wallet, or ``disbursing`` to a supplier)."""
    sign_as_seller(session, loan.offer_id, secret=secret)
    return deliver_financed_goods(session, loan, secret=secret)
