"""Money checks and rounding shared by the schedule modules.

Every amount a schedule, an accrual or an allocation hands out is quantised to the currency's
minor unit, and every rounding names its mode: ROUND_HALF_EVEN (banker's rounding) for interest,
fees and shares of a payout, ROUND_DOWN for equal shares of a total (the last share takes the
remainder, so the shares add up to the total exactly). Intermediate sums run in a private
decimal context of 50 significant digits so that the result never depends on the caller's
context and products such as balance × rate × days stay exact before the one division.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal

from fourflow.core.money import Money, minor_units
from fourflow.lending.schedules.errors import (
    RATE_OUT_OF_RANGE,
    AmountCurrencyMismatch,
    AmountNegative,
    AmountNotPositive,
    AmountNotWholeMinorUnits,
    LoanTermsInvalid,
)

CONTEXT = Context(prec=50, rounding=ROUND_HALF_EVEN)
MAXIMUM_ANNUAL_RATE = Decimal(10)  # 1,000 % a year: beyond this an input is a typing mistake, not a loan


def quantum(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal exponent: 0.01 for USD, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def zero_amount(currency: str) -> Money:
    """Zero written to the currency's minor unit (0.00 USD, 0 JPY), as every amount here is."""
    return Money(quantum(currency) * 0, currency)


def round_half_even(amount: Decimal, currency: str) -> Money:
    return Money(amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN, context=CONTEXT), currency)


def equal_shares(total: Money, count: int) -> tuple[Money, ...]:
    """``count`` shares of ``total``: each the total divided by the count rounded down to the minor
    unit, the last one taking the remainder. They add up to ``total`` exactly."""
    step = quantum(total.currency)
    share = CONTEXT.divide(total.amount, Decimal(count)).quantize(step, rounding=ROUND_DOWN, context=CONTEXT)
    last = CONTEXT.subtract(total.amount, CONTEXT.multiply(share, Decimal(count - 1)))
    return (*(Money(share, total.currency) for _ in range(count - 1)), Money(last, total.currency))


def total(amounts: Iterable[Money], currency: str) -> Money:
    return sum(amounts, zero_amount(currency))


def require_currency(amount: Money, currency: str, name: str) -> None:
    if amount.currency != currency:
        raise AmountCurrencyMismatch(field=name, name=name, currency=currency)


def require_not_negative(amount: Money, name: str) -> None:
    if amount.is_negative():
        raise AmountNegative(field=name, name=name)


def require_positive(amount: Money, name: str) -> None:
    if amount.amount <= 0:
        raise AmountNotPositive(field=name, name=name)


def require_minor_units(amount: Money, name: str) -> Money:
    """The amount must already be whole minor units: a schedule cannot owe a fraction of a cent."""
    rounded = amount.quantized()
    if rounded.amount != amount.amount:
        raise AmountNotWholeMinorUnits(field=name, name=name, currency=amount.currency)
    return rounded


def require_rate(rate: Decimal, name: str, *, low: Decimal = Decimal(0), high: Decimal = MAXIMUM_ANNUAL_RATE,
                 low_open: bool = False) -> None:
    """``rate`` is a finite Decimal in [low, high] (or (low, high] when ``low_open``)."""
    valid = (isinstance(rate, Decimal) and rate.is_finite() and rate <= high
             and (rate > low if low_open else rate >= low))
    if not valid:
        raise LoanTermsInvalid(RATE_OUT_OF_RANGE, field=name, name=name, low=str(low), high=str(high))
