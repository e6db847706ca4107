"""What the loan services share: the defaults, the loan's accounts and balances, postings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.core.money import Money
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import LoanNotFound
from fourflow.lending.loans.models import Loan

# The demo world's funder lends every loan until funder bidding (ecosystem) chooses one per loan.
DEFAULT_FUNDER = "harbour-capital"
# The platform account marketplace payouts arrive at unless the caller names another channel.
DEFAULT_COLLECTION_CHANNEL = "harbour-bank"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LoanAccounts:
    principal: uuid.UUID
    interest: uuid.UUID
    fees: uuid.UUID
    wallet: uuid.UUID
    collections: uuid.UUID
    funder_available: uuid.UUID
    funder_deployed: uuid.UUID


@dataclass(frozen=True, slots=True)
class LoanBalances:
    principal: Money
    interest: Money
    fees: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fees

    def is_zero(self) -> bool:
        return all(amount.is_zero() for amount in (self.principal, self.interest, self.fees))


def accounts(session: Session, loan: Loan) -> LoanAccounts:
    """The loan's accounts, opened on first use."""
    seller, funder, currency = loan.seller_organisation_id, loan.funder_organisation_id, loan.currency
    subject = str(loan.id)
    return LoanAccounts(
        principal=ledger.open_account(session, seller, "loan:principal", currency, subject=subject).id,
        interest=ledger.open_account(session, seller, "loan:interest", currency, subject=subject).id,
        fees=ledger.open_account(session, seller, "loan:fees", currency, subject=subject).id,
        wallet=ledger.open_account(session, seller, "seller:wallet", currency).id,
        collections=ledger.open_account(session, seller, "seller:collections", currency).id,
        funder_available=ledger.open_account(session, funder, "funder:available", currency).id,
        funder_deployed=ledger.open_account(session, funder, "funder:deployed", currency).id)


def find_loan(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
          for_update: bool = False) -> Loan:
    loan = repository.loan(session, loan_id, seller_organisation_id, for_update=for_update)
    if loan is None:
        raise LoanNotFound()
    return loan


def balances_of(session: Session, loan: Loan, held: LoanAccounts) -> LoanBalances:
    def posted(account_id: uuid.UUID) -> Money:
        account = ledger.get_account(session, account_id, None)
        session.refresh(account)  # running totals move under us within the transaction
        return Money(ledger.balance(session, account).posted, loan.currency)

    return LoanBalances(posted(held.principal), posted(held.interest), posted(held.fees))


def platform_account(session: Session, code: str, currency: str, subject: str = "") -> uuid.UUID:
    platform = identity.organisations_of_kind(session, "platform")[0]
    return ledger.open_account(session, platform.id, code, currency, subject=subject).id


def principal_of(loan: Loan) -> Money:
    return money_of(loan.principal_amount, loan)


def fee_of(loan: Loan) -> Money:
    return money_of(loan.origination_fee_amount, loan)


def money_of(amount: Decimal, loan: Loan) -> Money:
    return Money(amount, loan.currency).quantized()


def debit(account_id: uuid.UUID, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, ledger.Side.DEBIT, amount.amount, amount.currency)


def credit(account_id: uuid.UUID, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, ledger.Side.CREDIT, amount.amount, amount.currency)
