"""Daily interest accrual and late fees.

Rounding policy: interest accrues unrounded, day by day, and is posted rounded half to even to
the minor unit with the remainder carried. The state keeps the exact accrued interest as its
numerator Σ balance × annual rate × day-count days (the year's days are the denominator): 1/365
has no finite decimal, so summing rounded daily fractions would drift, while the numerator is an
exact Decimal. What is posted after any accrual is round(numerator ÷ year days) less what was
posted before, so posted amounts always add up to the rounded exact total: after a term on an
unchanged balance, to the interest computed at once (:func:`period_interest`), to the cent. A job
may post daily or at period ends; the posted sums are the same.

Under 30E/360 a day earns 1 day, 0 days (the 30th to the 31st of a long month) or 3 days (28
February to 1 March in a common year): the convention's day count is additive, so the days of a
period are the sum of the days of its days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fourflow.core.money import Money
from fourflow.lending.schedules.amounts import (
    CONTEXT,
    require_currency,
    require_minor_units,
    require_not_negative,
    require_rate,
    round_half_even,
    zero_amount,
)
from fourflow.lending.schedules.day_count import DEFAULT_CONVENTION, day_count_convention
from fourflow.lending.schedules.errors import (
    DAYS_NEGATIVE,
    REPAYMENT_OUTSIDE_PERIOD,
    DateRangeInvalid,
    LoanTermsInvalid,
    RepaymentExceedsOutstanding,
)

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AccruedInterest:
    """What has accrued so far (exactly) and what of it has been posted (in minor units)."""

    currency: str
    convention: str
    numerator: Decimal  # Σ balance × annual rate × day-count days; exact interest = numerator ÷ year days
    posted: Money

    @classmethod
    def start(cls, currency: str, convention: str = DEFAULT_CONVENTION) -> AccruedInterest:
        day_count_convention(convention)
        return cls(currency, convention, Decimal(0), zero_amount(currency))

    @property
    def exact(self) -> Decimal:
        """The accrued interest, unrounded (to 50 significant digits)."""
        return CONTEXT.divide(self.numerator, Decimal(day_count_convention(self.convention).year_days))

    @property
    def unposted(self) -> Decimal:
        """The remainder carried: accrued but not yet posted, below half a minor unit either way."""
        return CONTEXT.subtract(self.exact, self.posted.amount)

    def accrue(self, balance: Money, annual_rate: Decimal, start: date,
               end: date) -> tuple[AccruedInterest, Money]:
        """Accrue interest on an unchanged ``balance`` from ``start`` to ``end``; returns the new state
        and the amount to post now (which may be zero, and is never negative)."""
        require_currency(balance, self.currency, "balance")
        require_not_negative(balance, "balance")
        require_rate(annual_rate, "annual_rate")
        days = day_count_convention(self.convention).days(start, end)
        earned = CONTEXT.multiply(CONTEXT.multiply(balance.amount, annual_rate), Decimal(days))
        numerator = CONTEXT.add(self.numerator, earned)
        accrued = AccruedInterest(self.currency, self.convention, numerator, self.posted)
        posted = round_half_even(accrued.exact, self.currency)
        return (AccruedInterest(self.currency, self.convention, numerator, posted), posted - self.posted)


@dataclass(frozen=True, slots=True)
class DailyAccrual:
    on: date  # the interest of the day from ``on`` to the next day
    balance: Money
    exact: Decimal  # the day's interest, unrounded
    posted: Money  # what is posted for the day, carrying the remainder


@dataclass(frozen=True, slots=True)
class InterestAccrual:
    start: date
    end: date
    annual_rate: Decimal
    days: tuple[DailyAccrual, ...]
    state: AccruedInterest

    @property
    def total(self) -> Money:
        return self.state.posted

    @property
    def exact(self) -> Decimal:
        return self.state.exact


def period_interest(principal: Money, annual_rate: Decimal, start: date, end: date,
                    convention: str = DEFAULT_CONVENTION) -> Money:
    """The simple interest of a whole period computed at once, rounded half to even."""
    require_not_negative(principal, "principal")
    require_rate(annual_rate, "annual_rate")
    exact = day_count_convention(convention).interest(principal.amount, annual_rate, start, end)
    return round_half_even(exact, principal.currency)


def accrue_interest(principal: Money, annual_rate: Decimal, start: date, end: date, *,
                    convention: str = DEFAULT_CONVENTION,
                    principal_repaid: Sequence[tuple[date, Money]] = ()) -> InterestAccrual:
    """Interest accrued day by day from ``start`` to ``end`` (excluded) on the outstanding principal.
    A repayment on a day lowers the balance from that day on (that day earns on the lower balance)."""
    require_not_negative(principal, "principal")
    require_minor_units(principal, "principal")
    if end < start:
        raise DateRangeInvalid(field="end", start=start.isoformat(), end=end.isoformat())
    repaid_on: dict[date, Money] = {}
    for on, amount in principal_repaid:
        require_currency(amount, principal.currency, "principal_repaid")
        require_not_negative(amount, "principal_repaid")
        if not start <= on < end:
            raise LoanTermsInvalid(REPAYMENT_OUTSIDE_PERIOD, field="principal_repaid", on=on.isoformat(),
                                   start=start.isoformat(), end=end.isoformat())
        repaid_on[on] = repaid_on.get(on, zero_amount(principal.currency)) + amount
    rules = day_count_convention(convention)
    state = AccruedInterest.start(principal.currency, convention)
    balance = principal
    days = []
    on = start
    while on < end:
        if on in repaid_on:
            if repaid_on[on] > balance:
                raise RepaymentExceedsOutstanding(field="principal_repaid", repaid=str(repaid_on[on]),
                                                  outstanding=str(balance))
            balance -= repaid_on[on]
        state, posted = state.accrue(balance, annual_rate, on, on + ONE_DAY)
        exact = rules.interest(balance.amount, annual_rate, on, on + ONE_DAY)
        days.append(DailyAccrual(on, balance, exact, posted))
        on += ONE_DAY
    return InterestAccrual(start, end, annual_rate, tuple(days), state)


# ---------------------------------------------------------------- late fees


@dataclass(frozen=True, slots=True)
class LateFeePolicy:
    """Charged on an overdue amount once it is more than ``grace_days`` late: a one-off
    ``flat_fee`` and penalty interest at ``penalty_rate`` a year (under ``convention``) for each
    day past the grace period. A payment within the grace period owes neither."""

    grace_days: int = 0
    flat_fee: Money | None = None
    penalty_rate: Decimal = Decimal(0)
    convention: str = DEFAULT_CONVENTION

    def __post_init__(self) -> None:
        if self.grace_days < 0:
            raise LoanTermsInvalid(DAYS_NEGATIVE, field="grace_days", name="grace_days")
        if self.flat_fee is not None:
            require_not_negative(self.flat_fee, "flat_fee")
            require_minor_units(self.flat_fee, "flat_fee")
        require_rate(self.penalty_rate, "penalty_rate")
        day_count_convention(self.convention)


@dataclass(frozen=True, slots=True)
class LateFee:
    days_past_due: int
    penalty_days: int  # day-count days past the grace period on which penalty interest runs
    flat_fee: Money
    penalty_interest: Money

    @property
    def total(self) -> Money:
        return self.flat_fee + self.penalty_interest


def late_fee(policy: LateFeePolicy, overdue: Money, due_on: date, on: date) -> LateFee:
    """The late fee owed on ``on`` for ``overdue`` unpaid since ``due_on``."""
    require_not_negative(overdue, "overdue")
    if policy.flat_fee is not None:
        require_currency(policy.flat_fee, overdue.currency, "flat_fee")
    zero = zero_amount(overdue.currency)
    days_past_due = max((on - due_on).days, 0)
    if overdue.is_zero() or days_past_due <= policy.grace_days:
        return LateFee(days_past_due, 0, zero, zero)
    rules = day_count_convention(policy.convention)
    penalty_from = due_on + timedelta(days=policy.grace_days)
    penalty_days = rules.days(penalty_from, on)
    penalty = round_half_even(rules.interest_for_days(overdue.amount, policy.penalty_rate, penalty_days),
                              overdue.currency)
    flat = policy.flat_fee if policy.flat_fee is not None else zero
    return LateFee(days_past_due, penalty_days, flat, penalty)
