"""Collections fixtures: the loans' fixtures (frozen clock, accepted offers, books), and a disbursed
loan of 10,000.00 USD at 12 % for 30 days (bullet) booked on 15 October 2026: one instalment of
10,098.63 due on 14 November 2026."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.lending.collections import service
from fourflow.lending.collections.models import MonitoringAlert
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import accepted_offer, clock, seller_id

__all__ = ["alert_proposing", "clock", "disbursed_loan"]
D = Decimal


def disbursed_loan(session: Session, slug: str = "lumen-electronics", key: str = "collections-1") -> Loan:
    """Booked, its conditions met (contract signed, goods arrived), and so disbursed."""
    offer = accepted_offer(session, seller=seller_id(session, slug))
    return conditions_helpers.disbursed_loan(session, offer.id, key)



# Findings that propose each action (monitoring@v1), as the daily job stores them.
ANOMALIES = {
    "drawdown_hold": service.Inputs(D("1000.00"), D("100.00"), D("3000.00"), D("9000.00"), {}, {}),
    "limit_freeze": service.Inputs(D("0"), D("0"), D("1000.00"), D("9000.00"), {}, {}),
    "early_recall": service.Inputs(D("0"), D("0"), D("3000.00"), D("9000.00"), {"A": 100}, {"A": 20}),
}


def alert_proposing(session: Session, loan_id: uuid.UUID, action: str, raised_on: date) -> MonitoringAlert:
    """An open alert as the daily job raises it, proposing ``action``."""
    loan = loans.get_loan(session, loan_id, None)
    found = service.findings(ANOMALIES[action], loan.currency)
    assert [finding["proposed_action"] for finding in found] == [action]
    alert = MonitoringAlert(
        id=uuid.uuid4(), loan_id=loan.id, seller_organisation_id=loan.seller_organisation_id,
        raised_on=raised_on, monitoring_version=service.MONITORING_VERSION, findings=found,
        proposed_action=action, status="open", created_at=get_clock().now())
    session.add(alert)
    session.flush()
    return alert
