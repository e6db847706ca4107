"""Day-count conventions: how many days of interest a period earns and how many days make a year.

* ``ACT/365F`` (the default): actual days over a fixed 365-day year, leap years included.
* ``ACT/360``: actual days over a 360-day year (money-market basis).
* ``30E/360``: the Eurobond basis (ISDA 2006 §4.16(g)): every month counts 30 days, a 31st counts
  as the 30th, at either end; February is not stretched (unlike 30E/360 ISDA, which treats the last
  day of February as the 30th). So 28 Feb → 31 Mar 2025 is 30 + (30 − 28) = 32 days.

Interest is ``amount × annual rate × days ÷ year_days`` with one division at the end
(:meth:`DayCountConvention.interest`): 1/365 has no finite decimal, so multiplying by a rounded
year fraction would lose digits that a single division keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from fourflow.lending.schedules.amounts import CONTEXT
from fourflow.lending.schedules.errors import DateRangeInvalid, DayCountConventionUnknown

ACT_365F: Final = "ACT/365F"
ACT_360: Final = "ACT/360"
THIRTY_E_360: Final = "30E/360"
DEFAULT_CONVENTION: Final = ACT_365F


@dataclass(frozen=True, slots=True)
class DayCountConvention:
    name: str
    year_days: int  # the denominator of the year fraction

    def days(self, start: date, end: date) -> int:
        """Days of interest from ``start`` (included) to ``end`` (excluded) under this convention."""
        if end < start:
            raise DateRangeInvalid(field="end", start=start.isoformat(), end=end.isoformat())
        if self.name == THIRTY_E_360:
            return _thirty_e_ordinal(end) - _thirty_e_ordinal(start)
        return (end - start).days

    def year_fraction(self, start: date, end: date) -> Decimal:
        """Days ÷ year days, to the private context's 50 digits (exact where the fraction is finite)."""
        return CONTEXT.divide(Decimal(self.days(start, end)), Decimal(self.year_days))

    def interest(self, amount: Decimal, annual_rate: Decimal, start: date, end: date) -> Decimal:
        """Simple interest on ``amount`` from ``start`` to ``end``, unrounded."""
        return self.interest_for_days(amount, annual_rate, self.days(start, end))

    def interest_for_days(self, amount: Decimal, annual_rate: Decimal, days: int) -> Decimal:
        numerator = CONTEXT.multiply(CONTEXT.multiply(amount, annual_rate), Decimal(days))
        return CONTEXT.divide(numerator, Decimal(self.year_days))


def _thirty_e_ordinal(day: date) -> int:
    """A day number under 30E/360: differences of two give the convention's day count, which also
    makes the count additive (days(a, c) = days(a, b) + days(b, c)), as daily accrual needs."""
    return day.year * 360 + (day.month - 1) * 30 + min(day.day, 30)


CONVENTIONS: Final[dict[str, DayCountConvention]] = {
    ACT_365F: DayCountConvention(ACT_365F, 365),
    ACT_360: DayCountConvention(ACT_360, 360),
    THIRTY_E_360: DayCountConvention(THIRTY_E_360, 360),
}


def day_count_convention(name: str) -> DayCountConvention:
    """The convention called ``name`` exactly (``ACT/365F``, ``ACT/360``, ``30E/360``)."""
    convention = CONVENTIONS.get(name) if isinstance(name, str) else None
    if convention is None:
        raise DayCountConventionUnknown(field="convention", convention=str(name),
                                        known=", ".join(CONVENTIONS))
    return convention


def year_fraction(start: date, end: date, convention: str = DEFAULT_CONVENTION) -> Decimal:
    """The share of a year from ``start`` to ``end`` under the named convention."""
    return day_count_convention(convention).year_fraction(start, end)
