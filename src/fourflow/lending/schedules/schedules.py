"""Repayment schedules: bullet, equal principal, annuity, and the planned minimum payments of a
payout sweep.

Every schedule charges simple interest on the principal outstanding during each period, under a
named day-count convention, rounded half to even to the currency's minor unit per instalment.
The principal of the instalments adds up to the principal exactly (the last instalment takes the
remainder), and so do the fees: a schedule's ``fees`` are the total fee of the loan spread in
equal shares over the instalments (all of it at maturity for a bullet).

* bullet: one instalment at maturity, principal plus the interest of the whole term;
* equal principal: the principal in equal shares rounded down; with ACT/365F and
  :func:`even_due_dates` it is the schedule the price disclosure of a credit decision shows
  (``fourflow.risk.pricing.repayment_schedule`` calls it);
* annuity: equal totals of principal and interest; the level payment is the one that clears
  the balance with the actual period lengths, rounded half to even; the last instalment absorbs
  the rounding;
* payout sweep (revenue-based financing): the seller repays a remittance rate of each payout;
  what the schedule plans is the *minimum*, equal principal plus interest every N days up to the
  maximum term. The sweep itself (``sweep.py``) applies at each payout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fourflow.core.money import Money
from fourflow.core.months import add_months, month_end
from fourflow.lending.schedules.amounts import (
    CONTEXT,
    equal_shares,
    require_currency,
    require_minor_units,
    require_not_negative,
    require_positive,
    require_rate,
    round_half_even,
    total,
    zero_amount,
)
from fourflow.lending.schedules.day_count import DEFAULT_CONVENTION, DayCountConvention, day_count_convention
from fourflow.lending.schedules.errors import (
    COUNT_NOT_POSITIVE,
    DUE_DATES_EMPTY,
    DUE_DATES_NOT_INCREASING,
    INSTALMENT_NOT_IN_SCHEDULE,
    INSTALMENTS_OUT_OF_RANGE,
    TERM_NOT_POSITIVE,
    LoanTermsInvalid,
)


class ScheduleKind(StrEnum):
    BULLET = "bullet"
    EQUAL_PRINCIPAL = "equal_principal"
    ANNUITY = "annuity"
    PAYOUT_SWEEP = "payout_sweep"


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1, 2, … in due-date order
    due_on: date
    principal: Money
    interest: Money
    fees: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fees

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "due_on": self.due_on.isoformat(),
                "principal": _money(self.principal), "interest": _money(self.interest),
                "fees": _money(self.fees), "total": _money(self.total)}


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: ScheduleKind
    principal: Money
    annual_rate: Decimal
    start_on: date  # the disbursement (or re-amortisation) date: interest runs from here
    convention: str
    instalments: tuple[Instalment, ...]

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def maturity_on(self) -> date:
        return self.instalments[-1].due_on

    @property
    def total_principal(self) -> Money:
        return total((instalment.principal for instalment in self.instalments), self.currency)

    @property
    def total_interest(self) -> Money:
        return total((instalment.interest for instalment in self.instalments), self.currency)

    @property
    def total_fees(self) -> Money:
        return total((instalment.fees for instalment in self.instalments), self.currency)

    @property
    def total_amount(self) -> Money:
        return total((instalment.total for instalment in self.instalments), self.currency)

    def instalment(self, number: int) -> Instalment:
        for instalment in self.instalments:
            if instalment.number == number:
                return instalment
        raise LoanTermsInvalid(INSTALMENT_NOT_IN_SCHEDULE, field="number", number=number)

    def outstanding_after(self, number: int) -> Money:
        """Principal still owed once instalments up to ``number`` are paid as planned (0: none paid)."""
        repaid = total((instalment.principal for instalment in self.instalments
                        if instalment.number <= number), self.currency)
        return self.principal - repaid

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "principal": _money(self.principal),
                "annual_rate": str(self.annual_rate), "start_on": self.start_on.isoformat(),
                "convention": self.convention,
                "instalments": [instalment.to_dict() for instalment in self.instalments],
                "total_principal": _money(self.total_principal),
                "total_interest": _money(self.total_interest),
                "total_fees": _money(self.total_fees), "total_amount": _money(self.total_amount)}


@dataclass(frozen=True, slots=True)
class SweepTerms:
    """Revenue-based financing: a share of every payout repays the loan, with a floor."""

    remittance_rate: Decimal  # share of each payout, 0 < rate ≤ 1 (1: all of it, as for a receivable)
    minimum_period_days: int  # a minimum payment falls due every this many days
    maximum_term_days: int  # everything still owed is due this many days after disbursement

    def __post_init__(self) -> None:
        require_rate(self.remittance_rate, "remittance_rate", low=Decimal(0), high=Decimal(1), low_open=True)
        for name in ("minimum_period_days", "maximum_term_days"):
            if getattr(self, name) < 1:
                raise LoanTermsInvalid(TERM_NOT_POSITIVE, field=name, name=name)


# ---------------------------------------------------------------- due dates


def even_due_dates(start_on: date, term_days: int, instalments: int) -> tuple[date, ...]:
    """``instalments`` due dates spreading ``term_days`` evenly, rounded half up to whole days (the
    rule of the price disclosure); the last is the maturity, ``start_on + term_days``."""
    if term_days < 1:
        raise LoanTermsInvalid(TERM_NOT_POSITIVE, field="term_days", name="term_days")
    if not 1 <= instalments <= term_days:
        raise LoanTermsInvalid(INSTALMENTS_OUT_OF_RANGE, field="instalments", maximum=term_days)
    return tuple(start_on + timedelta(days=(2 * term_days * number + instalments) // (2 * instalments))
                 for number in range(1, instalments + 1))


def monthly_due_dates(start_on: date, months: int) -> tuple[date, ...]:
    """The same day of the month as ``start_on`` for ``months`` months, or the month's last day
    where the month is shorter (31 Jan → 28 Feb → 31 Mar)."""
    if months < 1:
        raise LoanTermsInvalid(COUNT_NOT_POSITIVE, field="months", name="months")
    dates = []
    for count in range(1, months + 1):
        first = add_months(start_on, count)
        dates.append(first.replace(day=min(start_on.day, month_end(first).day)))
    return tuple(dates)


def sweep_due_dates(start_on: date, terms: SweepTerms) -> tuple[date, ...]:
    """Every ``minimum_period_days`` from disbursement; the last is the maximum term (a shorter
    period when the term is not a whole number of periods)."""
    period, term = terms.minimum_period_days, terms.maximum_term_days
    count = -(-term // period)
    return tuple(start_on + timedelta(days=min(number * period, term)) for number in range(1, count + 1))


# ---------------------------------------------------------------- builders


def bullet(principal: Money, annual_rate: Decimal, start_on: date, maturity_on: date, *,
           convention: str = DEFAULT_CONVENTION, fees: Money | None = None) -> Schedule:
    """One instalment at maturity: the principal, the interest of the whole term, and the fees."""
    return _equal_principal(ScheduleKind.BULLET, principal, annual_rate, start_on, (maturity_on,), convention,
                            fees)


def equal_principal(principal: Money, annual_rate: Decimal, start_on: date, due_dates: Sequence[date], *,
                    convention: str = DEFAULT_CONVENTION, fees: Money | None = None) -> Schedule:
    """Equal principal shares (rounded down, the last takes the remainder) with the interest of each
    period on the balance outstanding in it."""
    return _equal_principal(ScheduleKind.EQUAL_PRINCIPAL, principal, annual_rate, start_on, due_dates,
                            convention, fees)


def payout_sweep(principal: Money, annual_rate: Decimal, start_on: date, terms: SweepTerms, *,
                 convention: str = DEFAULT_CONVENTION, fees: Money | None = None) -> Schedule:
    """The planned minimum payments of a payout sweep: equal principal every ``minimum_period_days``
    up to ``maximum_term_days``. Sweeps paid from payouts count towards them (``sweep.minimum_due``)."""
    return _equal_principal(ScheduleKind.PAYOUT_SWEEP, principal, annual_rate, start_on,
                            sweep_due_dates(start_on, terms), convention, fees)


def annuity(principal: Money, annual_rate: Decimal, start_on: date, due_dates: Sequence[date], *,
            convention: str = DEFAULT_CONVENTION, fees: Money | None = None) -> Schedule:
    """Equal totals. With growth factors g_k = 1 + rate × days_k ÷ year_days and G_j = g_1 ⋯ g_j,
    the payment that leaves nothing owed after the last period is A = principal ÷ Σ_j 1/G_j,
    rounded half to even. Each instalment's interest is that of its period on the balance; its
    principal is A less the interest; the last instalment repays what is left, absorbing the
    rounding. (For tiny balances, where rounding would make a share negative or larger than the
    balance, the share is held between zero and the balance.)"""
    rules = _check(principal, annual_rate, start_on, due_dates, convention, fees)
    dates = tuple(due_dates)
    discount_sum = Decimal(0)
    growth = Decimal(1)
    previous = start_on
    for due_on in dates:
        growth = CONTEXT.multiply(growth, CONTEXT.add(Decimal(1), rules.interest_for_days(
            Decimal(1), annual_rate, rules.days(previous, due_on))))
        discount_sum = CONTEXT.add(discount_sum, CONTEXT.divide(Decimal(1), growth))
        previous = due_on
    payment = round_half_even(CONTEXT.divide(principal.amount, discount_sum), principal.currency)
    zero = zero_amount(principal.currency)
    fee_shares = _fee_shares(fees, principal.currency, len(dates))
    outstanding = principal
    previous = start_on
    instalments = []
    for number, (due_on, fee) in enumerate(zip(dates, fee_shares, strict=True), start=1):
        interest = round_half_even(rules.interest(outstanding.amount, annual_rate, previous, due_on),
                                   principal.currency)
        repaid = outstanding if number == len(dates) else min(max(payment - interest, zero), outstanding)
        instalments.append(Instalment(number, due_on, repaid, interest, fee))
        outstanding -= repaid
        previous = due_on
    return Schedule(ScheduleKind.ANNUITY, principal, annual_rate, start_on, rules.name, tuple(instalments))


def _equal_principal(kind: ScheduleKind, principal: Money, annual_rate: Decimal, start_on: date,
                     due_dates: Sequence[date], convention: str, fees: Money | None) -> Schedule:
    rules = _check(principal, annual_rate, start_on, due_dates, convention, fees)
    dates = tuple(due_dates)
    shares = equal_shares(principal, len(dates))
    fee_shares = _fee_shares(fees, principal.currency, len(dates))
    outstanding = principal
    previous = start_on
    instalments = []
    for number, (due_on, share, fee) in enumerate(zip(dates, shares, fee_shares, strict=True), start=1):
        interest = round_half_even(rules.interest(outstanding.amount, annual_rate, previous, due_on),
                                   principal.currency)
        instalments.append(Instalment(number, due_on, share, interest, fee))
        outstanding -= share
        previous = due_on
    return Schedule(kind, principal, annual_rate, start_on, rules.name, tuple(instalments))


# ---------------------------------------------------------------- checks


def _check(principal: Money, annual_rate: Decimal, start_on: date, due_dates: Sequence[date], convention: str,
           fees: Money | None) -> DayCountConvention:
    rules = day_count_convention(convention)
    require_positive(principal, "principal")
    require_minor_units(principal, "principal")
    require_rate(annual_rate, "annual_rate")
    if fees is not None:
        require_currency(fees, principal.currency, "fees")
        require_not_negative(fees, "fees")
        require_minor_units(fees, "fees")
    if not due_dates:
        raise LoanTermsInvalid(DUE_DATES_EMPTY, field="due_dates")
    previous = start_on
    for due_on in due_dates:
        if due_on <= previous:
            raise LoanTermsInvalid(DUE_DATES_NOT_INCREASING, field="due_dates", start_on=start_on.isoformat())
        previous = due_on
    return rules


def _fee_shares(fees: Money | None, currency: str, count: int) -> tuple[Money, ...]:
    return equal_shares(fees if fees is not None else zero_amount(currency), count)


def _money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}
