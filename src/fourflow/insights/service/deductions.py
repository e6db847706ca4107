"""Upcoming deductions (F5): the payouts a seller's marketplaces are expected to make in the coming
days and what of each the active loans will take.

A marketplace's payouts are expected on its own cadence: the median (the higher middle one) of the
days between its deposits in the last ``CADENCE_WINDOW_DAYS`` days, from its last deposit on, each of
the mean of its last ``AMOUNT_BASIS`` deposits (it needs two deposits to have a cadence). Each
expected payout is then allocated as ``lending.loans.service.payouts.apply_payout`` will allocate it:
loan by loan, oldest disbursement first, a payout-sweep loan taking its remittance rate of the payout
raised to the minimum due by then, any other loan all of what is left up to what it owes. What is
owed is today's balance: interest that accrues meanwhile is not projected, so near the end of a loan
the real deduction can be a little higher.
"""

from __future__ import annotations

import itertools
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.core.money import Money
from fourflow.core.pagination import MAX_PAGE_SIZE, PageRequest
from fourflow.lending import schedules
from fourflow.lending.loans import service as loans
from fourflow.lending.products import RepaymentMethod
from fourflow.tradedata.service import insight_inputs as trade

DEDUCTIONS_VERSION = "deductions@v1"
HORIZON_DAYS = 30
CADENCE_WINDOW_DAYS = 90
AMOUNT_BASIS = 3


@dataclass(frozen=True, slots=True)
class ExpectedPayout:
    marketplace: str
    expected_on: date
    amount: Money
    cadence_days: int
    deposits_seen: int


@dataclass(frozen=True, slots=True)
class LoanDeduction:
    loan_id: uuid.UUID
    amount: Money


@dataclass(frozen=True, slots=True)
class UpcomingDeduction:
    payout: ExpectedPayout
    deductions: list[LoanDeduction]
    to_wallet: Money

    @property
    def deducted(self) -> Money:
        return sum((line.amount for line in self.deductions), Money.zero(self.payout.amount.currency))


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    payouts: Money
    deducted: Money
    to_wallet: Money


@dataclass(frozen=True, slots=True)
class UpcomingDeductions:
    version: str
    today: date
    horizon_days: int
    rows: list[UpcomingDeduction]
    totals: list[CurrencyTotals]
    by_loan: dict[uuid.UUID, Money]
    inputs: dict[str, Any]


def expected_payouts(deposits: list[trade.DepositRow], today: date,
                     horizon_days: int = HORIZON_DAYS) -> list[ExpectedPayout]:
    """Each marketplace's (and currency's) payouts due after today and within the horizon."""
    groups: dict[tuple[str, str], list[trade.DepositRow]] = defaultdict(list)
    for row in deposits:
        groups[(row.marketplace, row.currency)].append(row)
    expected: list[ExpectedPayout] = []
    for (marketplace, currency), rows in sorted(groups.items()):
        rows.sort(key=lambda row: row.deposited_on)
        gaps = [(later.deposited_on - earlier.deposited_on).days
                for earlier, later in itertools.pairwise(rows)]
        gaps = [gap for gap in gaps if gap > 0]
        if not gaps:
            continue
        cadence = statistics.median_high(gaps)
        basis = rows[-AMOUNT_BASIS:]
        amount = Money(sum((row.total for row in basis), Decimal(0)) / len(basis), currency).quantized()
        if amount.amount <= 0:
            continue
        day = rows[-1].deposited_on + timedelta(days=cadence)
        while day <= today:  # data that stops before today: the cadence carries on
            day += timedelta(days=cadence)
        while day <= today + timedelta(days=horizon_days):
            expected.append(ExpectedPayout(marketplace, day, amount, cadence, len(rows)))
            day += timedelta(days=cadence)
    return sorted(expected, key=lambda payout: (payout.expected_on, payout.marketplace))


def active_loans(session: Session, seller_organisation_id: uuid.UUID) -> list[Any]:
    """The seller's active loans, oldest disbursement first (the order a payout repays them in)."""
    found: list[Any] = []
    page = 1
    while True:
        listed = loans.list_loans(session, seller_organisation_id, "active",
                                  PageRequest(page=page, page_size=MAX_PAGE_SIZE))
        found += listed.items
        if page >= listed.pages:
            break
        page += 1
    return sorted(found, key=lambda loan: (loan.disbursed_at or datetime.min.replace(tzinfo=UTC), loan.id))


def upcoming_deductions(session: Session, seller_organisation_id: uuid.UUID, today: date,
                        horizon_days: int = HORIZON_DAYS) -> UpcomingDeductions:
    since = datetime.combine(today - timedelta(days=CADENCE_WINDOW_DAYS), time(0), UTC)
    cutoff = datetime.combine(today + timedelta(days=1), time(0), UTC)
    payouts = expected_payouts(trade.deposits(session, seller_organisation_id, since, cutoff), today,
                               horizon_days)
    open_loans = active_loans(session, seller_organisation_id)
    owed = {loan.id: loans.balances(session, loan).total for loan in open_loans}
    paid = {loan.id: sum((Money(r.fees_amount + r.interest_amount + r.principal_amount, loan.currency)
                          for r in loans.repayments(session, loan)), Money.zero(loan.currency)).quantized()
            for loan in open_loans}
    plans = {loan.id: loans.schedule(session, loan) for loan in open_loans}
    rows: list[UpcomingDeduction] = []
    by_loan: dict[uuid.UUID, Money] = {loan.id: Money.zero(loan.currency) for loan in open_loans}
    for payout in payouts:
        left = payout.amount
        lines: list[LoanDeduction] = []
        for loan in open_loans:
            if loan.currency != left.currency or owed[loan.id].is_zero() or left.is_zero():
                continue
            if loan.repayment_method == RepaymentMethod.PAYOUT_SWEEP.value:
                assert loan.remittance_rate is not None  # a sweep loan has them
                assert loan.repayment_period_days is not None
                terms = schedules.SweepTerms(Decimal(loan.remittance_rate), loan.repayment_period_days,
                                             loan.tenor_days)
                minimum = schedules.minimum_due(plans[loan.id], paid[loan.id], payout.expected_on)
                state = schedules.SweepState(owed[loan.id], minimum)
                share = schedules.sweep_payout(left, terms, state).deduction
            else:
                share = min(left, owed[loan.id])
            if share.is_zero():
                continue
            owed[loan.id] -= share
            paid[loan.id] += share
            by_loan[loan.id] += share
            left -= share
            lines.append(LoanDeduction(loan.id, share))
        rows.append(UpcomingDeduction(payout, lines, left))
    totals: list[CurrencyTotals] = []
    for currency in sorted({row.payout.amount.currency for row in rows}):
        mine = [row for row in rows if row.payout.amount.currency == currency]
        zero = Money.zero(currency)
        totals.append(CurrencyTotals(currency, sum((row.payout.amount for row in mine), zero),
                                     sum((row.deducted for row in mine), zero),
                                     sum((row.to_wallet for row in mine), zero)))
    inputs = {"today": today.isoformat(), "horizon_days": horizon_days,
              "cadence_window_days": CADENCE_WINDOW_DAYS, "amount_basis_deposits": AMOUNT_BASIS,
              "loans": {str(loan.id): {"owed": str(loans.balances(session, loan).total.amount),
                                       "method": loan.repayment_method,
                                       "remittance_rate": None if loan.remittance_rate is None
                                       else str(loan.remittance_rate)} for loan in open_loans}}
    return UpcomingDeductions(DEDUCTIONS_VERSION, today, horizon_days, rows, totals, by_loan, inputs)
