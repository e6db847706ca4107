"""What a seller reads about a loan beyond its balances: the next amount due, the statement of every
posting on the loan's accounts with a running balance, and payouts against repayments by month."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.ledger import service as ledger
from fourflow.lending import schedules
from fourflow.lending.loans import repository
from fourflow.lending.loans.models import Loan
from fourflow.lending.loans.service.common import accounts
from fourflow.lending.loans.service.loans import schedule


@dataclass(frozen=True, slots=True)
class NextDue:
    due_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class StatementLine:
    posted_at: datetime
    description: str
    account: str  # loan:principal, loan:interest or loan:fees
    debit: Decimal
    credit: Decimal
    balance: Decimal  # what the seller owes on the loan after this line
    # The description as a msgid and its parameters, translated by the reader (``description`` is the
    # entry's own, in English, for entries this module does not know).
    message: str = ""
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class MonthlyFlow:
    month: str  # YYYY-MM
    payouts: Decimal
    repayments: Decimal


def next_due(session: Session, loan: Loan, *, today: date | None = None) -> NextDue | None:
    """The next instalment date on or after today and what is due by then (the planned totals due by
    that date less everything repaid so far); None before disbursement (the schedule is planned again
    from that day), once the loan is closed, or when nothing is left due."""
    if loan.status != "active":
        return None
    today = today or get_clock().now().date()
    planned = schedule(session, loan)
    paid = Money(repository.repaid_in_total(session, loan.id), loan.currency).quantized()
    for instalment in planned.instalments:
        if instalment.due_on >= today:
            amount = schedules.minimum_due(planned, paid, instalment.due_on)
            if not amount.is_zero():
                return NextDue(instalment.due_on, amount)
    return None


def statement(session: Session, loan: Loan) -> list[StatementLine]:
    """Every posting on the loan's principal, interest and fee accounts, oldest entry first. The
    accounts are the seller's debts (debit-normal), so the running balance is debits less credits."""
    held = accounts(session, loan)
    names = {held.principal: "loan:principal", held.interest: "loan:interest", held.fees: "loan:fees"}
    lines: list[StatementLine] = []
    running = Decimal(0)
    rows = ledger.postings_with_entries(session, list(names))
    # Within one entry, the order a payout pays in: fees, interest, principal.
    first_seen: dict[uuid.UUID, int] = {}
    for index, (_posting, entry) in enumerate(rows):
        first_seen.setdefault(entry.id, index)
    rank = {held.fees: 0, held.interest: 1, held.principal: 2}
    rows.sort(key=lambda row: (first_seen[row[1].id], rank[row[0].account_id]))
    for posting, entry in rows:
        amount = Money(posting.amount, posting.currency).quantized().amount
        running += amount
        lines.append(StatementLine(
            posted_at=entry.effective_at, description=entry.description, account=names[posting.account_id],
            debit=amount if amount > 0 else Decimal("0.00"),
            credit=-amount if amount < 0 else Decimal("0.00"), balance=running,
            **_described(entry.idempotency_key, entry.details)))
    return lines


def _described(key: str, details: dict[str, Any] | None) -> dict[str, Any]:
    """The loan's own entries named in words the seller reads in either language (the keys are the
    ones disbursement, accrual and payouts write)."""
    if key.endswith(":disbursement"):
        return {"message": N_("Loan paid into your wallet")}
    if ":interest:" in key:
        return {"message": N_("Interest of {date}"), "params": (("date", key.rsplit(":", 1)[1]),)}
    if key.startswith("lending:payout:") and key.endswith(":allocated") and details:
        return {"message": N_("Repaid from payout {reference}"),
                "params": (("reference", str(details.get("reference", ""))),)}
    return {}


def monthly_flows(session: Session, seller_organisation_id: uuid.UUID, currency: str) -> list[MonthlyFlow]:
    """The seller's marketplace payouts and what they repaid of loans, month by month, in one currency."""
    months: dict[str, list[Decimal]] = {}
    for payout in repository.payouts_of_seller(session, seller_organisation_id):
        if payout.currency == currency:
            month = months.setdefault(payout.received_on.strftime("%Y-%m"), [Decimal(0), Decimal(0)])
            month[0] += payout.amount
    for repayment in repository.repayments_of_seller(session, seller_organisation_id):
        if repayment.currency == currency:
            month = months.setdefault(repayment.paid_on.strftime("%Y-%m"), [Decimal(0), Decimal(0)])
            month[1] += (repayment.fees_amount + repayment.interest_amount + repayment.principal_amount)
    return [MonthlyFlow(month, Money(paid_in, currency).quantized().amount,
                        Money(repaid, currency).quantized().amount)
            for month, (paid_in, repaid) in sorted(months.items())]
