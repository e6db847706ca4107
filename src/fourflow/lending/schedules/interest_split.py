"""The funder's share of interest (MONEY-FLOWS event 4): each day's posted interest is split between
the funder (``funder:income``) and the platform (``platform:income:interest``) by the agreed share.

Rounding: the funder's part after any day is round-half-even(total posted so far × share) less what
the funder got before, so the rounding remainder is carried from day to day and, over the tenor, the
funder's parts add up to round(contract interest × share) and the platform's to the rest, to the
cent. Both parts of a day are never negative and never more than the day's interest (the funder's
cumulative part only grows, by at most what was posted that day)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fourflow.core.money import Money
from fourflow.lending.schedules.amounts import round_half_even


@dataclass(frozen=True, slots=True)
class InterestSplit:
    """An agreed split; a change is a new version (loans keep the split they were booked with)."""

    version: str
    funder_share: Decimal  # of each day's interest, 0–1


# The demo world's participation agreement: the funder's capital earns 80 % of the interest, the
# platform keeps 20 % for originating and servicing the loan.
INTEREST_SPLIT_V1 = InterestSplit("interest-split@v1", Decimal("0.80"))
CURRENT_INTEREST_SPLIT = INTEREST_SPLIT_V1


@dataclass(frozen=True, slots=True)
class SplitInterest:
    funder: Money
    platform: Money


def split_interest(funder_share: Decimal, posted_before: Money, funder_before: Money,
                   amount: Money) -> SplitInterest:
    """The day's ``amount`` split, given all interest ``posted_before`` it and the funder's part of
    that (``funder_before``)."""
    funder_total = round_half_even((posted_before + amount).amount * funder_share, amount.currency)
    funder = funder_total - funder_before
    return SplitInterest(funder, amount - funder)
