"""The funder's share of each day's interest (MONEY-FLOWS event 4): hand-computed days with the
arithmetic shown, and properties: over any number of days the parts add up exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.lending.schedules import INTEREST_SPLIT_V1, AccruedInterest, split_interest

ONE_DAY = timedelta(days=1)


def usd(amount: str | Decimal) -> Money:
    return Money(amount, "USD")


def split_days(share: Decimal, days: list[Money]) -> list[tuple[Money, Money]]:
    posted, funder, parts = usd("0.00"), usd("0.00"), []
    for amount in days:
        split = split_interest(share, posted, funder, amount)
        parts.append((split.funder, split.platform))
        posted += amount
        funder += split.funder
    return parts


def test_the_agreed_split_is_versioned() -> None:
    assert (INTEREST_SPLIT_V1.version, INTEREST_SPLIT_V1.funder_share) == (
        "interest-split@v1", Decimal("0.80"))


def test_days_of_3_29_carry_the_remainder() -> None:
    """10,000 at 12 % for one day = 3.2876… → 3.29 posted a day. 80 % of it:
    day 1: round(3.29 × 0.8 = 2.632) = 2.63 to the funder, 0.66 to the platform;
    day 2: round(6.58 × 0.8 = 5.264) = 5.26 − 2.63 = 2.63, platform 0.66;
    day 3: round(9.87 × 0.8 = 7.896) = 7.90 − 5.26 = 2.64, platform 0.65 (the carried remainder lands);
    three days: funder 7.90 = round(9.87 × 0.8), platform 1.97, together 9.87."""
    parts = split_days(Decimal("0.80"), [usd("3.29")] * 3)
    assert [(funder.amount, platform.amount) for funder, platform in parts] == [
        (Decimal("2.63"), Decimal("0.66")), (Decimal("2.63"), Decimal("0.66")),
        (Decimal("2.64"), Decimal("0.65"))]


def test_a_cent_goes_to_whoever_the_running_total_gives_it() -> None:
    """Days of 0.01: 80 % of 0.01 = 0.008 → 0.01 to the funder, nothing to the platform; day 2:
    round(0.016) = 0.02 → 0.01; day 3: round(0.024) = 0.02 → 0.00 to the funder, 0.01 to the platform."""
    parts = split_days(Decimal("0.80"), [usd("0.01")] * 3)
    assert [(funder.amount, platform.amount) for funder, platform in parts] == [
        (Decimal("0.01"), Decimal("0.00")), (Decimal("0.01"), Decimal("0.00")),
        (Decimal("0.00"), Decimal("0.01"))]


@settings(max_examples=300, deadline=None)
@given(cents=st.lists(st.integers(min_value=0, max_value=1_000_000), min_size=1, max_size=400),
       share=st.decimals(min_value=0, max_value=1, places=4))
def test_over_any_number_of_days_the_parts_add_up_exactly(cents: list[int], share: Decimal) -> None:
    days = [usd(Decimal(cent) / 100) for cent in cents]
    parts = split_days(share, days)
    total = sum((day.amount for day in days), Decimal(0))
    funder_total = sum((funder.amount for funder, _ in parts), Decimal(0))
    platform_total = sum((platform.amount for _, platform in parts), Decimal(0))
    assert funder_total == (total * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    assert funder_total + platform_total == total
    for day, (funder, platform) in zip(days, parts, strict=True):
        assert funder + platform == day
        assert Decimal(0) <= funder.amount <= day.amount
        assert Decimal(0) <= platform.amount <= day.amount


@settings(max_examples=100, deadline=None)
@given(principal=st.integers(min_value=100, max_value=5_000_000),
       rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.40"), places=4),
       days=st.integers(min_value=1, max_value=365))
def test_a_tenor_of_daily_accruals_splits_to_the_cent(principal: int, rate: Decimal, days: int) -> None:
    """The real daily amounts (the accrual's own carried remainder): the funder's total over the
    tenor is the contract interest × 80 % rounded once, the platform's the rest."""
    state, posted, start = AccruedInterest.start("USD"), [], date(2026, 1, 1)
    for offset in range(days):
        on = start + offset * ONE_DAY
        state, amount = state.accrue(usd(Decimal(principal)), rate, on, on + ONE_DAY)
        posted.append(amount)
    parts = split_days(INTEREST_SPLIT_V1.funder_share, posted)
    contract = state.posted.amount
    assert sum((funder.amount for funder, _ in parts), Decimal(0)) == (
        contract * Decimal("0.80")).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    assert sum((funder.amount + platform.amount for funder, platform in parts), Decimal(0)) == contract
