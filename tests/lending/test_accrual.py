"""Daily interest accrual (no cent drift over a term) and late fees: hand-computed cases with the
arithmetic shown, and properties checked against exact rational arithmetic."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.lending.schedules import (
    ACT_360,
    ACT_365F,
    CONVENTIONS,
    THIRTY_E_360,
    AccruedInterest,
    AmountCurrencyMismatch,
    AmountNegative,
    DateRangeInvalid,
    DayCountConventionUnknown,
    LateFeePolicy,
    LoanTermsInvalid,
    RepaymentExceedsOutstanding,
    accrue_interest,
    day_count_convention,
    late_fee,
    period_interest,
)

START = date(2025, 1, 1)
ONE_DAY = timedelta(days=1)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


# ---------------------------------------------------------------- hand-computed


def test_a_month_of_daily_accrual_posts_the_period_interest() -> None:
    # 10,000.00 USD at 12 % ACT/365F for 31 days = 10,000 × 0.12 × 31 / 365 = 101.92 (101.9178…)
    accrual = accrue_interest(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1))
    assert len(accrual.days) == 31
    assert accrual.total == usd("101.92")
    assert str(accrual.exact).startswith("101.917808219178")
    assert period_interest(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1)) == usd("101.92")
    # A day earns 10,000 × 0.12 / 365 = 3.2876712…; posting carries the remainder:
    # day 1: round(3.2876712) = 3.29
    # day 2: round(6.5753424) = 6.58, less 3.29 posted = 3.29
    # day 3: round(9.8630137) = 9.86, less 6.58 posted = 3.28
    # day 4: round(13.1506849) = 13.15, less 9.86 posted = 3.29
    assert [day.posted for day in accrual.days[:4]] == [usd("3.29"), usd("3.29"), usd("3.28"), usd("3.29")]
    assert str(accrual.days[0].exact).startswith("3.28767123287")
    # Rounding each day instead would post 31 × 3.29 = 101.99: seven cents too much.
    assert sum((day.posted for day in accrual.days), usd("0")) == usd("101.92")


def test_other_conventions_hand_computed() -> None:
    # ACT/360: 10,000 × 0.12 × 31 / 360 = 103.3333… → 103.33
    assert accrue_interest(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1),
                           convention=ACT_360).total == usd("103.33")
    # 30E/360: January is 30 days: 10,000 × 0.12 × 30 / 360 = 100.00
    january = accrue_interest(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1),
                              convention=THIRTY_E_360)
    assert january.total == usd("100.00")
    # 30 → 31 January earns no day under 30E/360: nothing is posted for it
    assert january.days[29].on == date(2025, 1, 30)
    assert january.days[29].posted == usd("0.00")
    # 28 February → 1 March 2025 earns 3 days: 10,000 × 0.12 × 3 / 360 = 10.00
    february = accrue_interest(usd("10000.00"), Decimal("0.12"), date(2025, 2, 28), date(2025, 3, 1),
                               convention=THIRTY_E_360)
    assert february.total == usd("10.00")


def test_a_principal_repayment_lowers_the_balance_from_its_day() -> None:
    # 10,000.00 at 12 % ACT/365F from 1 to 31 January, 4,000.00 repaid on 11 January:
    # 10 days on 10,000.00 and 20 days on 6,000.00:
    # (10,000 × 0.12 × 10 + 6,000 × 0.12 × 20) / 365 = (12,000 + 14,400) / 365 = 72.3287… → 72.33
    accrual = accrue_interest(usd("10000.00"), Decimal("0.12"), START, date(2025, 1, 31),
                              principal_repaid=[(date(2025, 1, 11), usd("4000.00"))])
    assert accrual.total == usd("72.33")
    assert accrual.days[9].balance == usd("10000.00")
    assert accrual.days[10].on == date(2025, 1, 11)
    assert accrual.days[10].balance == usd("6000.00")


def test_the_state_accrues_daily_or_by_period_alike() -> None:
    state = AccruedInterest.start("USD")
    state, first = state.accrue(usd("10000.00"), Decimal("0.12"), START, date(2025, 1, 16))
    # 15 days: 10,000 × 0.12 × 15 / 365 = 49.3150… → 49.32 posted, −0.0049… carried
    assert first == usd("49.32")
    assert str(state.unposted).startswith("-0.00493150684")
    state, second = state.accrue(usd("10000.00"), Decimal("0.12"), date(2025, 1, 16), date(2025, 2, 1))
    # 31 days in all: 101.92 − 49.32 = 52.60 (16 days alone would round to 52.60 too: 52.6027…)
    assert second == usd("52.60")
    assert state.posted == usd("101.92")
    assert state.numerator == Decimal("37200.0000")  # 10,000.00 × 0.12 × 31 = 37,200


def test_accrual_inputs_are_checked() -> None:
    with pytest.raises(DateRangeInvalid):
        accrue_interest(usd("100.00"), Decimal("0.1"), START, START - timedelta(days=1))
    with pytest.raises(AmountNegative) as negative:
        accrue_interest(usd("-100.00"), Decimal("0.1"), START, date(2025, 2, 1))
    assert negative.value.field == "principal"
    with pytest.raises(RepaymentExceedsOutstanding) as exceeds:
        accrue_interest(usd("100.00"), Decimal("0.1"), START, date(2025, 2, 1),
                        principal_repaid=[(date(2025, 1, 5), usd("60.00")), (date(2025, 1, 9), usd("60.00"))])
    assert exceeds.value.field == "principal_repaid"
    assert str(exceeds.value) == "The principal repaid, 60.00 USD, is more than the 40.00 USD outstanding."
    with pytest.raises(LoanTermsInvalid) as outside:
        accrue_interest(usd("100.00"), Decimal("0.1"), START, date(2025, 2, 1),
                        principal_repaid=[(date(2025, 2, 1), usd("10.00"))])
    assert outside.value.field == "principal_repaid"
    with pytest.raises(AmountCurrencyMismatch):
        accrue_interest(usd("100.00"), Decimal("0.1"), START, date(2025, 2, 1),
                        principal_repaid=[(date(2025, 1, 2), Money("10.00", "EUR"))])
    with pytest.raises(DayCountConventionUnknown):
        AccruedInterest.start("USD", "ACT/ACT")
    with pytest.raises(AmountCurrencyMismatch) as currency:
        AccruedInterest.start("USD").accrue(Money("1", "EUR"), Decimal("0.1"), START, date(2025, 1, 2))
    assert currency.value.field == "balance"
    with pytest.raises(LoanTermsInvalid) as rate:
        period_interest(usd("100.00"), Decimal("-0.1"), START, date(2025, 1, 2))
    assert rate.value.field == "annual_rate"


# ---------------------------------------------------------------- properties

conventions = st.sampled_from(sorted(CONVENTIONS))
rates = st.integers(0, 1_000_000).map(lambda micro: Decimal(micro).scaleb(-6))


def _exact_cents(numerator: Fraction) -> Fraction:
    """Round half to even to the cent, in exact rational arithmetic."""
    return Fraction(round(numerator * 100), 100)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(minor=st.integers(0, 10**12), rate=rates, start=st.dates(date(2020, 1, 1), date(2032, 12, 31)),
       days=st.integers(0, 800), convention=conventions)
def test_daily_posts_add_up_to_the_period_interest(minor: int, rate: Decimal, start: date, days: int,
                                                   convention: str) -> None:
    """No cent drift: whatever the term, the daily posts add up to the interest computed at once,
    which is the exact rational interest rounded half to even."""
    principal = Money.from_minor_units(minor, "USD")
    end = start + timedelta(days=days)
    accrual = accrue_interest(principal, rate, start, end, convention=convention)
    once = period_interest(principal, rate, start, end, convention)
    posted = sum((day.posted for day in accrual.days), Money.zero("USD"))
    assert posted == accrual.total == once
    rules = day_count_convention(convention)
    exact = Fraction(principal.amount) * Fraction(rate) * rules.days(start, end) / rules.year_days
    assert Fraction(once.amount) == _exact_cents(exact)
    assert all(not day.posted.is_negative() for day in accrual.days)
    assert abs(accrual.state.unposted) <= Decimal("0.005")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(minor=st.integers(1, 10**11), rate=rates, days=st.integers(1, 400), convention=conventions,
       repayments=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 10**6)), max_size=8),
       cuts=st.lists(st.integers(1, 399), max_size=6))
def test_accrual_with_repayments_matches_exact_arithmetic(minor: int, rate: Decimal, days: int,
                                                          convention: str, repayments: list[tuple[int, int]],
                                                          cuts: list[int]) -> None:
    """With principal repaid along the way, the total is the exact Σ balance × rate × day-count days
    ÷ year days, rounded once; and posting at arbitrary period ends posts the same in total."""
    principal = Money.from_minor_units(minor, "USD")
    end = START + timedelta(days=days)
    left = minor
    repaid = []
    for offset, amount in repayments:
        taken = min(amount, left)
        left -= taken
        if offset < days:
            repaid.append((START + timedelta(days=offset), Money.from_minor_units(taken, "USD")))
    accrual = accrue_interest(principal, rate, START, end, convention=convention, principal_repaid=repaid)
    rules = day_count_convention(convention)
    exact = sum((Fraction(day.balance.amount) * Fraction(rate) * rules.days(day.on, day.on + ONE_DAY)
                 for day in accrual.days), Fraction(0)) / rules.year_days
    assert Fraction(accrual.total.amount) == _exact_cents(exact)
    assert all(not day.balance.is_negative() for day in accrual.days)
    # The same interest accrued and posted once per stretch between period ends (a month-end job,
    # say) and repayment days, each stretch at once on its balance, posts the same in total.
    cut_days = {START + timedelta(days=cut) for cut in cuts if cut < days}
    boundaries = sorted(cut_days | {on for on, _ in repaid} | {START, end})
    balance_on = {day.on: day.balance for day in accrual.days}
    state = AccruedInterest.start("USD", convention)
    posted_by_period = Money.zero("USD")
    for stretch_start, stretch_end in itertools.pairwise(boundaries):
        state, posted = state.accrue(balance_on[stretch_start], rate, stretch_start, stretch_end)
        posted_by_period += posted
    assert posted_by_period == accrual.total == state.posted


# ---------------------------------------------------------------- late fees

POLICY = LateFeePolicy(grace_days=5, flat_fee=usd("25.00"), penalty_rate=Decimal("0.24"))
DUE = date(2025, 3, 1)


def test_no_late_fee_within_the_grace_period() -> None:
    fee = late_fee(POLICY, usd("1000.00"), DUE, date(2025, 3, 6))  # 5 days late, 5 days' grace
    assert (fee.days_past_due, fee.penalty_days, fee.total) == (5, 0, usd("0.00"))
    assert late_fee(POLICY, usd("1000.00"), DUE, date(2025, 2, 20)).total == usd("0.00")  # not yet due


def test_late_fee_after_the_grace_period() -> None:
    # 6 days late: the flat 25.00, and 1 day of penalty: 1,000.00 × 0.24 × 1 / 365 = 0.6575… → 0.66
    fee = late_fee(POLICY, usd("1000.00"), DUE, date(2025, 3, 7))
    assert (fee.days_past_due, fee.penalty_days, fee.flat_fee, fee.penalty_interest) == (
        6, 1, usd("25.00"), usd("0.66"))
    # 30 days late: 25 penalty days: 1,000.00 × 0.24 × 25 / 365 = 16.4383… → 16.44; total 41.44
    fee = late_fee(POLICY, usd("1000.00"), DUE, date(2025, 3, 31))
    assert (fee.penalty_days, fee.penalty_interest, fee.total) == (25, usd("16.44"), usd("41.44"))
    # Nothing overdue, nothing owed
    assert late_fee(POLICY, usd("0.00"), DUE, date(2025, 3, 31)).total == usd("0.00")


def test_late_fee_policies_are_checked() -> None:
    with pytest.raises(LoanTermsInvalid) as grace:
        LateFeePolicy(grace_days=-1)
    assert grace.value.field == "grace_days"
    with pytest.raises(AmountNegative) as flat:
        LateFeePolicy(flat_fee=usd("-1.00"))
    assert flat.value.field == "flat_fee"
    with pytest.raises(LoanTermsInvalid) as rate:
        LateFeePolicy(penalty_rate=Decimal("-0.01"))
    assert rate.value.field == "penalty_rate"
    with pytest.raises(DayCountConventionUnknown):
        LateFeePolicy(convention="ACT/ACT")
    with pytest.raises(AmountCurrencyMismatch) as currency:
        late_fee(POLICY, Money("1000.00", "EUR"), DUE, date(2025, 3, 31))
    assert currency.value.field == "flat_fee"
    with pytest.raises(AmountNegative):
        late_fee(POLICY, usd("-1.00"), DUE, date(2025, 3, 31))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(minor=st.integers(0, 10**9), grace=st.integers(0, 30), rate=rates, late=st.integers(0, 400),
       more=st.integers(0, 400), convention=st.sampled_from([ACT_365F, ACT_360]))
def test_late_fees_never_fall_as_time_passes(minor: int, grace: int, rate: Decimal, late: int, more: int,
                                             convention: str) -> None:
    policy = LateFeePolicy(grace_days=grace, flat_fee=usd("10.00"), penalty_rate=rate, convention=convention)
    overdue = Money.from_minor_units(minor, "USD")
    earlier = late_fee(policy, overdue, DUE, DUE + timedelta(days=late))
    later = late_fee(policy, overdue, DUE, DUE + timedelta(days=late + more))
    assert later.total >= earlier.total >= usd("0.00")
    if late > grace and minor > 0:
        assert earlier.penalty_interest == period_interest(overdue, rate, DUE + timedelta(days=grace),
                                                           DUE + timedelta(days=late), convention)
