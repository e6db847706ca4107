"""Insurance fixtures: the loans' fixtures (frozen clock on 15 October 2026, offers on round terms), a
fresh simulated insurer per test (its own circuit breaker), and the ONE way these tests get an insured,
disbursed loan: 10,000.00 USD of order financing at 12 % for 30 days (bullet), fee 1 % = 100.00,
maturity 14 November 2026.

Premiums by the simulator's rates (harbour-mutual-rates@2026-12), rounded half up to the cent:
credit 10,000.00 × 1.20 % × 30/365 = 9.8630… → 9.86 (indemnity 90 %);
cargo: goods 10,000.00 ÷ 0.80 advance rate = 12,500.00 × 0.30 % = 37.50 (indemnity 100 %)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.insurer import registry
from fourflow.lending.insurance.insurer.simulator import SimulatedInsurer
from fourflow.lending.loans.models import Loan
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import CONTEXT, accepted_offer, clock, seller_id

__all__ = ["clock", "simulator"]
INSURER = "harbour-mutual"
TABLES = ("lending_insurance_quotes", "lending_insurance_policies", "lending_insurance_claims",
          "lending_offers", "lending_loans", "lending_loan_write_offs", "ledger_entries", "ledger_postings",
          "audit_events")


@pytest.fixture
def simulator() -> Iterator[SimulatedInsurer]:
    """The insurer these tests talk to; ``unreachable = True`` takes it down."""
    insurer = SimulatedInsurer()
    registry.install(registry.GuardedInsurer(insurer, failure_threshold=3))
    yield insurer
    registry.install(None)


def open_offer(session: Session, *, product: str = "order_financing", amount: str = "10000.00",
               slug: str = "lumen-electronics") -> uuid.UUID:
    return accepted_offer(session, seller=seller_id(session, slug), product=product, amount=amount,
                          status="open").id


def insured_loan(session: Session, covers: tuple[str, ...] = ("credit", "cargo"), *,
                 key: str = "insured-1") -> Loan:
    """An order-financing offer accepted with ``covers``, booked and disbursed (the policies bound)."""
    offer_id = open_offer(session)
    seller = seller_id(session)
    insurance.accept_offer(session, CONTEXT, offer_id, seller, list(covers), accepted_by_user_id=None)
    return conditions_helpers.disbursed_loan(session, offer_id, key)


def rows(session: Session) -> dict[str, int]:
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES}


@dataclass
class InsurerBooks:
    payable: Decimal
    claims: Decimal
    loss: Decimal


def insurer_books(session: Session, currency: str = "USD") -> InsurerBooks:
    platform = identity.organisations_of_kind(session, "platform")[0].id

    def posted(code: str, subject: str = "") -> Decimal:
        account = ledger.open_account(session, platform, code, currency, subject=subject)
        session.refresh(account)
        return ledger.balance(session, account).posted

    return InsurerBooks(posted("insurer:payable", INSURER), posted("insurer:claims", INSURER),
                        posted("platform:expense:loan_loss"))
