"""Daily interest accrual (MONEY-FLOWS event 4): one entry per day, keyed by loan and day, the
rounding remainder carried so the days add up to the contract's interest to the cent, and each day's
interest split between the funder and the platform by the loan's agreed share (the split's own
remainder carried too, ``lending.schedules.split_interest``)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money
from fourflow.ledger import service as ledger
from fourflow.lending import schedules
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import AccrualDateInFuture
from fourflow.lending.loans.models import Loan
from fourflow.lending.loans.service.common import (
    ONE_DAY,
    accounts,
    balances_of,
    credit,
    debit,
    find_loan,
    platform_account,
)


def accrue_interest(session: Session, context: audit.AuditContext, loan_id: uuid.UUID,
                    through: date) -> Money:
    """Accrue the interest of every day up to and including ``through`` not accrued yet (never past
    the last day before maturity, never today or later: a day's interest is known once it is over):
    one entry per day, Dr loan:interest / Cr funder:income (the funder's share) and Cr
    platform:income:interest (the rest), keyed by loan and day. The rounding remainders are carried
    (``schedules.AccruedInterest``, ``schedules.split_interest``) so the days add up to the contract's
    interest, and the funder's parts to its share of it, to the cent. Returns what this run posted."""
    loan = find_loan(session, loan_id, None, for_update=True)
    return accrue_loan(session, context, loan, through)


def accrue_loan(session: Session, context: audit.AuditContext, loan: Loan, through: date) -> Money:
    zero = Money.zero(loan.currency)
    yesterday = get_clock().now().date() - ONE_DAY
    if through > yesterday:
        raise AccrualDateInFuture(field="through", through=through.isoformat(),
                                  yesterday=yesterday.isoformat())
    if loan.status != "active" or loan.interest_accrued_until is None:
        return zero
    last = min(through, loan.maturity_on - ONE_DAY)
    first = loan.interest_accrued_until
    if last < first:
        return zero
    held = accounts(session, loan)
    balance = balances_of(session, loan, held).principal
    income = platform_account(session, "platform:income:interest", loan.currency)
    funder_income = ledger.open_account(session, loan.funder_organisation_id, "funder:income",
                                        loan.currency).id
    state = schedules.AccruedInterest(loan.currency, loan.day_count_convention,
                                      Decimal(loan.accrual_numerator),
                                      Money(loan.interest_accrued_amount, loan.currency).quantized())
    funder_posted = Money(loan.funder_interest_amount, loan.currency).quantized()
    transfers = []
    posted = zero
    on = first
    while on <= last:
        posted_before = state.posted
        state, amount = state.accrue(balance, loan.annual_rate, on, on + ONE_DAY)
        if not amount.is_zero():
            parts = schedules.split_interest(loan.funder_interest_share, posted_before, funder_posted, amount)
            postings = [debit(held.interest, amount)]
            if not parts.funder.is_zero():
                postings.append(credit(funder_income, parts.funder))
            if not parts.platform.is_zero():
                postings.append(credit(income, parts.platform))
            transfers.append(ledger.Transfer(
                idempotency_key=f"lending:loan:{loan.id}:interest:{on.isoformat()}",
                postings=tuple(postings), description=f"Interest of {on.isoformat()}"))
            posted += amount
            funder_posted += parts.funder
        on += ONE_DAY
    if transfers:
        ledger.transfers(session, context, transfers)
    before = {"interest_accrued_until": first.isoformat(),
              "interest_accrued": str(loan.interest_accrued_amount),
              "funder_interest": str(loan.funder_interest_amount)}
    loan.accrual_numerator = state.numerator
    loan.interest_accrued_amount = state.posted.amount
    loan.funder_interest_amount = funder_posted.amount
    loan.interest_accrued_until = last + ONE_DAY
    loan.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "lending:loan:interest_accrued", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id, before=before,
                 after={"interest_accrued_until": loan.interest_accrued_until.isoformat(),
                        "interest_accrued": str(state.posted), "posted_now": str(posted),
                        "funder_interest": str(funder_posted), "interest_split": loan.interest_split_version,
                        "principal_balance": str(balance)})
    return posted


def active_loan_ids(session: Session) -> list[uuid.UUID]:
    return repository.loan_ids_with_status(session, "active")


def accrue_all(session: Session, context: audit.AuditContext, through: date) -> int:
    """Accrue every active loan through ``through`` in this transaction; returns the loans that posted.
    (The job runs each loan in its own transaction: ``tasks.accrue_all``.)"""
    return sum(1 for loan_id in active_loan_ids(session)
               if not accrue_interest(session, context, loan_id, through).is_zero())
