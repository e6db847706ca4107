"""Collections fixtures: the loans' fixtures (frozen clock, accepted offers, books), and a disbursed
loan of 10,000.00 USD at 12 % for 30 days (bullet) booked on 15 October 2026: one instalment of
10,098.63 due on 14 November 2026."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from tests.lending.loans.conftest import CONTEXT, accepted_offer, clock, seller_id

__all__ = ["clock", "disbursed_loan"]


def disbursed_loan(session: Session, slug: str = "lumen-electronics", key: str = "collections-1") -> Loan:
    offer = accepted_offer(session, seller=seller_id(session, slug))
    loan = loans.book_loan(session, CONTEXT, offer.id, key)
    return loans.disburse(session, CONTEXT, loan.id)
