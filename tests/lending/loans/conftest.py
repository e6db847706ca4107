"""Loan fixtures: accepted offers on chosen terms (the risk engine prices real ones; hand-computed
cases need round terms), on a frozen clock, and a way to read every balance a loan touches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.money import Money
from fourflow.ledger import service as ledger
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.models import FinancingApplication, FinancingOffer
from fourflow.lending.loans import service
from fourflow.lending.loans.models import Loan
from fourflow.lending.products import CATALOGUE
from fourflow.risk.models import RiskDecision
from tests.helpers import organisation_id

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
SELLER = "lumen-electronics"
OTHER_SELLER = "silkroad-home"
CONTEXT = AuditContext.system()


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def seller_id(session: Session, slug: str = SELLER) -> uuid.UUID:
    return uuid.UUID(organisation_id(session, slug))


def accepted_offer(session: Session, *, seller: uuid.UUID, product: str = "order_financing",
                   amount: str = "10000.00", annual_rate: str = "0.12", tenor_days: int = 30,
                   currency: str = "USD", status: str = "accepted") -> FinancingOffer:
    """An offer on these terms, accepted (or ``status``), with the fee of the product."""
    now = datetime.now(UTC)
    decision = RiskDecision(
        id=uuid.uuid4(), seller_organisation_id=seller, product=product, requested_amount=Decimal(amount),
        currency=currency, outcome="approve", grade="A", score=None, probability_of_default=None,
        limit_amount=None, annual_rate=Decimal(annual_rate), inputs={}, versions={}, outputs={}, reasons=[],
        requested_by_user_id=None, decided_at=now)
    session.add(decision)
    session.flush()
    application = FinancingApplication(
        id=uuid.uuid4(), seller_organisation_id=seller, products_version="products@v1", product=product,
        amount=Decimal(amount), currency=currency, tenor_days=tenor_days, status="offered",
        decision_id=decision.id, created_at=now, updated_at=now, submitted_at=now)
    session.add(application)
    session.flush()
    chosen = CATALOGUE[product]
    principal = Money(Decimal(amount), currency)
    schedule = applications.offer_schedule(chosen, principal, Decimal(annual_rate), NOW.date(), tenor_days)
    offer = FinancingOffer(
        id=uuid.uuid4(), application_id=application.id, seller_organisation_id=seller,
        decision_id=decision.id,
        products_version="products@v1", product=product, amount=Decimal(amount), currency=currency,
        tenor_days=tenor_days, annual_rate=Decimal(annual_rate), annual_percentage_rate=Decimal("0.13"),
        origination_fee=applications.origination_fee(chosen, principal).amount,
        repayment_method=chosen.repayment.method.value, schedule=schedule.to_dict(), status=status,
        expires_at=now + timedelta(days=7), created_at=now)
    session.add(offer)
    session.flush()
    return offer


@dataclass
class Books:
    """Posted balances (normal side) of everything a loan of one seller touches, in one currency."""

    principal: Decimal
    interest: Decimal
    fees: Decimal
    wallet: Decimal
    collections: Decimal
    funder_available: Decimal
    funder_deployed: Decimal
    income_fees: Decimal
    income_interest: Decimal
    bank: Decimal
    funder_income: Decimal


def books(session: Session, loan: Loan) -> Books:
    held = service.accounts(session, loan)
    platform = uuid.UUID(organisation_id(session, "fourflow"))

    def posted(account_id: uuid.UUID) -> Decimal:
        account = ledger.get_account(session, account_id, None)
        session.refresh(account)
        return ledger.balance(session, account).posted

    def platform_account(code: str, subject: str = "") -> Decimal:
        return posted(ledger.open_account(session, platform, code, loan.currency, subject=subject).id)

    return Books(posted(held.principal), posted(held.interest), posted(held.fees), posted(held.wallet),
                 posted(held.collections), posted(held.funder_available), posted(held.funder_deployed),
                 platform_account("platform:income:fees"), platform_account("platform:income:interest"),
                 platform_account("platform:bank", service.DEFAULT_COLLECTION_CHANNEL),
                 posted(ledger.open_account(session, loan.funder_organisation_id, "funder:income",
                                            loan.currency).id))


def rows(session: Session) -> dict[str, int]:
    tables = ("lending_loans", "lending_loan_instalments", "lending_payouts", "lending_loan_repayments",
              "lending_loan_conditions", "lending_loan_condition_evaluations", "lending_loan_disbursements",
              "payments", "ledger_entries", "ledger_postings", "audit_events")
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in tables}
