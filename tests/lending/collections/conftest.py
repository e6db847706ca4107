"""Collections fixtures: the loans' fixtures (frozen clock, accepted offers, books), and a disbursed
loan of 10,000.00 USD at 12 % for 30 days (bullet) booked on 15 October 2026: one instalment of
10,098.63 due on 14 November 2026."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fourflow.lending.loans.models import Loan
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import accepted_offer, clock, seller_id

__all__ = ["clock", "disbursed_loan"]


def disbursed_loan(session: Session, slug: str = "lumen-electronics", key: str = "collections-1") -> Loan:
    """Booked, its conditions met (contract signed, goods arrived), and so disbursed."""
    offer = accepted_offer(session, seller=seller_id(session, slug))
    return conditions_helpers.disbursed_loan(session, offer.id, key)
