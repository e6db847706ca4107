"""Early repayment: the payoff quote on a date, and re-amortisation after a partial prepayment.

Interest is billed in instalments: the interest up to the latest due date on or before the quote
date is in the instalments (paid, or passed in as ``unpaid_interest``); from that date to the
quote date it accrues on the outstanding principal (:func:`accrual.period_interest`, which equals
what the daily accrual has posted). The optional early-repayment fee is charged on the principal
repaid before it falls due: the outstanding principal, capped at what the schedule has due after
the quote date (overdue principal is late, not early).

Re-amortisation starts from the prepayment date with the new outstanding principal: the interest
to that date is paid with the prepayment, so the first new period earns interest from it.

* ``REDUCE_INSTALMENTS`` keeps the remaining due dates and rebuilds the schedule of the same kind
  (equal principal or annuity) on the new principal;
* ``SHORTEN_TERM`` keeps the instalment (an equal-principal share, or an annuity's level payment)
  and drops the due dates no longer needed; the last instalment takes what is left.

Either way each remaining instalment keeps its fees; fees of dropped instalments move to the new
last one, so no fee is lost or invented. A bullet has one instalment: both choices reduce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fourflow.core.money import Money
from fourflow.lending.schedules.accrual import period_interest
from fourflow.lending.schedules.amounts import (
    CONTEXT,
    require_currency,
    require_minor_units,
    require_not_negative,
    require_rate,
    round_half_even,
    total,
    zero_amount,
)
from fourflow.lending.schedules.errors import (
    NOTHING_TO_REAMORTISE,
    OUTSTANDING_ABOVE_PLAN,
    PREPAYMENT_DATE_OUT_OF_RANGE,
    DateRangeInvalid,
    LoanTermsInvalid,
)
from fourflow.lending.schedules.schedules import (
    Instalment,
    Schedule,
    ScheduleKind,
    annuity,
    equal_principal,
)


class Reamortisation(StrEnum):
    SHORTEN_TERM = "shorten_term"
    REDUCE_INSTALMENTS = "reduce_instalments"


@dataclass(frozen=True, slots=True)
class EarlyRepaymentFee:
    """``flat`` plus ``rate`` of the principal repaid early (rounded half to even)."""

    rate: Decimal = Decimal(0)
    flat: Money | None = None

    def __post_init__(self) -> None:
        require_rate(self.rate, "rate", high=Decimal(1))
        if self.flat is not None:
            require_not_negative(self.flat, "flat")
            require_minor_units(self.flat, "flat")

    def on(self, principal_repaid_early: Money) -> Money:
        fee = round_half_even(CONTEXT.multiply(principal_repaid_early.amount, self.rate),
                              principal_repaid_early.currency)
        if self.flat is None or principal_repaid_early.is_zero():
            return fee
        require_currency(self.flat, principal_repaid_early.currency, "flat")
        return fee + self.flat


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    on: date
    principal: Money
    interest: Money  # unpaid billed interest + interest accrued since the last due date
    fees: Money
    early_repayment_fee: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fees + self.early_repayment_fee


def payoff_quote(schedule: Schedule, on: date, *, outstanding_principal: Money,
                 unpaid_interest: Money | None = None, unpaid_fees: Money | None = None,
                 early_repayment_fee: EarlyRepaymentFee | None = None) -> PayoffQuote:
    """What settles the loan on ``on``: outstanding principal + interest to date + fees (+ the fee)."""
    currency = schedule.currency
    zero = zero_amount(currency)
    if on < schedule.start_on:
        raise DateRangeInvalid(field="on", start=schedule.start_on.isoformat(), end=on.isoformat())
    amounts = {"outstanding_principal": outstanding_principal, "unpaid_interest": unpaid_interest,
               "unpaid_fees": unpaid_fees}
    for name, amount in amounts.items():
        if amount is not None:
            require_currency(amount, currency, name)
            require_not_negative(amount, name)
            require_minor_units(amount, name)
    instalments = schedule.instalments
    billed_through = max((instalment.due_on for instalment in instalments if instalment.due_on <= on),
                         default=schedule.start_on)
    accrued = period_interest(outstanding_principal, schedule.annual_rate, billed_through, on,
                              schedule.convention)
    not_yet_due = total((instalment.principal for instalment in instalments if instalment.due_on > on),
                        currency)
    fee = early_repayment_fee.on(min(outstanding_principal, not_yet_due)) if early_repayment_fee else zero
    return PayoffQuote(on, outstanding_principal, (unpaid_interest or zero) + accrued, unpaid_fees or zero,
                       fee)


def reamortise(schedule: Schedule, *, settled_through: int, prepaid_on: date, outstanding_principal: Money,
               choice: Reamortisation) -> Schedule:
    """The schedule after a prepayment on ``prepaid_on``, when instalments up to ``settled_through``
    (0: none) are settled and ``outstanding_principal`` is left."""
    remaining = tuple(instalment for instalment in schedule.instalments
                      if instalment.number > settled_through)
    if not remaining:
        raise LoanTermsInvalid(NOTHING_TO_REAMORTISE, field="settled_through")
    earliest = schedule.instalment(settled_through).due_on if settled_through > 0 else schedule.start_on
    if not earliest <= prepaid_on < remaining[0].due_on:
        raise LoanTermsInvalid(PREPAYMENT_DATE_OUT_OF_RANGE, field="prepaid_on",
                               earliest=earliest.isoformat(), next_due_on=remaining[0].due_on.isoformat())
    require_currency(outstanding_principal, schedule.currency, "outstanding_principal")
    require_not_negative(outstanding_principal, "outstanding_principal")
    require_minor_units(outstanding_principal, "outstanding_principal")
    if outstanding_principal.is_zero():
        raise LoanTermsInvalid(NOTHING_TO_REAMORTISE, field="outstanding_principal")
    planned = schedule.outstanding_after(settled_through)
    if outstanding_principal > planned:
        raise LoanTermsInvalid(OUTSTANDING_ABOVE_PLAN, field="outstanding_principal",
                               outstanding=str(outstanding_principal), planned=str(planned))
    if choice is Reamortisation.SHORTEN_TERM and schedule.kind is not ScheduleKind.BULLET:
        instalments = _shortened(schedule, remaining, prepaid_on, outstanding_principal)
    else:
        instalments = _reduced(schedule, remaining, prepaid_on, outstanding_principal)
    return Schedule(schedule.kind, outstanding_principal, schedule.annual_rate, prepaid_on,
                    schedule.convention, instalments)


def _reduced(schedule: Schedule, remaining: tuple[Instalment, ...], prepaid_on: date,
             outstanding: Money) -> tuple[Instalment, ...]:
    build = annuity if schedule.kind is ScheduleKind.ANNUITY else equal_principal
    due_dates = [instalment.due_on for instalment in remaining]
    rebuilt = build(outstanding, schedule.annual_rate, prepaid_on, due_dates, convention=schedule.convention)
    return tuple(Instalment(old.number, new.due_on, new.principal, new.interest, old.fees)
                 for old, new in zip(remaining, rebuilt.instalments, strict=True))


def _shortened(schedule: Schedule, remaining: tuple[Instalment, ...], prepaid_on: date,
               outstanding: Money) -> tuple[Instalment, ...]:
    zero = zero_amount(schedule.currency)
    first = remaining[0]
    level_payment = first.principal + first.interest  # an annuity keeps this; equal principal keeps the share
    instalments: list[Instalment] = []
    previous = prepaid_on
    for position, old in enumerate(remaining):
        interest = period_interest(outstanding, schedule.annual_rate, previous, old.due_on,
                                   schedule.convention)
        if position == len(remaining) - 1:
            repaid = outstanding
        elif schedule.kind is ScheduleKind.ANNUITY:
            repaid = min(max(level_payment - interest, zero), outstanding)
        else:
            repaid = min(first.principal, outstanding)
        outstanding -= repaid
        fees = old.fees
        if outstanding.is_zero():
            fees += total((later.fees for later in remaining[position + 1:]), schedule.currency)
        instalments.append(Instalment(old.number, old.due_on, repaid, interest, fees))
        if outstanding.is_zero():
            break
        previous = old.due_on
    return tuple(instalments)
