"""Early recall (F22): a risk officer's confirmed recall makes everything the seller owes due today.

The plan is re-drawn, never the money: the instalments due before today stay as they were (they
are what collections already counts), and the rest become one instalment due today holding what is
left of the contract — principal not planned before, all interest accrued through yesterday and
fees charged, less what the kept instalments plan of each. So the plan's total is what was repaid
plus what is owed, and tomorrow an unpaid recall is 1 day past due for the collections run.
Maturity moves to today, so interest stops accruing after yesterday. Lifting the recall puts the
plan saved at the recall back (and accrual catches up on the days in between).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import LoanNotRecallable
from fourflow.lending.loans.models import LoanInstalment
from fourflow.lending.loans.service.accrual import accrue_loan
from fourflow.lending.loans.service.common import ONE_DAY, accounts, balances_of, find_loan


@dataclass(frozen=True, slots=True)
class Recalled:
    loan_id: uuid.UUID
    due_on: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    previous_maturity_on: date
    previous_instalments: list[dict[str, Any]]  # as saved, to put back when the recall is lifted

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


def recall_now(session: Session, context: audit.AuditContext, loan_id: uuid.UUID) -> Recalled:
    """Everything due today (the loan must be active); interest accrued through yesterday first."""
    loan = find_loan(session, loan_id, None, for_update=True)
    if loan.status != "active":
        raise LoanNotRecallable(status=loan.status)
    today = get_clock().now().date()
    if loan.interest_accrued_until is not None and loan.interest_accrued_until < today:
        accrue_loan(session, context, loan, today - ONE_DAY)
    rows = repository.instalments(session, loan.id)
    previous = [_saved(row) for row in rows]
    kept = [row for row in rows if row.due_on < today]
    owed = balances_of(session, loan, accounts(session, loan))
    repaid = repository.repayments(session, loan.id)
    principal = max(loan.principal_amount - sum((row.principal_amount for row in kept), Decimal(0)),
                    Decimal(0))
    interest = max(sum((row.interest_amount for row in repaid), owed.interest.amount)
                   - sum((row.interest_amount for row in kept), Decimal(0)), Decimal(0))
    fees = max(sum((row.fees_amount for row in repaid), owed.fees.amount)
               - sum((row.fees_amount for row in kept), Decimal(0)), Decimal(0))
    previous_maturity = loan.maturity_on
    repository.replace_instalments(session, loan.id, [
        *(_copy(row) for row in kept),
        LoanInstalment(id=uuid.uuid4(), loan_id=loan.id, number=len(kept) + 1, due_on=today,
                       principal_amount=principal, interest_amount=interest, fees_amount=fees)])
    loan.maturity_on = today
    loan.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "lending:loan:recalled", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id,
                 before={"maturity_on": previous_maturity.isoformat(), "instalments": len(rows)},
                 after={"maturity_on": today.isoformat(), "due_today": {
                     "principal": str(principal), "interest": str(interest), "fees": str(fees)}})
    return Recalled(loan.id, today, principal, interest, fees, previous_maturity, previous)


def restore_plan(session: Session, context: audit.AuditContext, loan_id: uuid.UUID,
                 instalments: list[dict[str, Any]], maturity_on: date) -> None:
    """The plan saved at a recall, back (a lifted recall); a loan no longer active keeps its plan."""
    loan = find_loan(session, loan_id, None, for_update=True)
    if loan.status != "active":
        return
    before = loan.maturity_on
    repository.replace_instalments(session, loan.id, [
        LoanInstalment(id=uuid.uuid4(), loan_id=loan.id, number=row["number"],
                       due_on=date.fromisoformat(row["due_on"]), principal_amount=Decimal(row["principal"]),
                       interest_amount=Decimal(row["interest"]), fees_amount=Decimal(row["fees"]))
        for row in instalments])
    loan.maturity_on = maturity_on
    loan.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "lending:loan:recall_lifted", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                 before={"maturity_on": before.isoformat()}, after={"maturity_on": maturity_on.isoformat(),
                                                                   "instalments": len(instalments)})


def _saved(row: LoanInstalment) -> dict[str, Any]:
    return {"number": row.number, "due_on": row.due_on.isoformat(), "principal": str(row.principal_amount),
            "interest": str(row.interest_amount), "fees": str(row.fees_amount)}


def _copy(row: LoanInstalment) -> LoanInstalment:
    return LoanInstalment(id=uuid.uuid4(), loan_id=row.loan_id, number=row.number, due_on=row.due_on,
                          principal_amount=row.principal_amount, interest_amount=row.interest_amount,
                          fees_amount=row.fees_amount)
