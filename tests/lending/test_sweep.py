"""The payout sweep: the share of a payout that repays the loan before the rest reaches the seller;
hand-computed cases and properties, and a whole revenue-based loan repaid from random payouts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.lending.schedules import (
    AmountCurrencyMismatch,
    AmountNegative,
    AmountNotWholeMinorUnits,
    Due,
    SweepState,
    SweepTerms,
    allocate,
    minimum_due,
    payout_sweep,
    period_interest,
    sweep_payout,
)

START = date(2025, 1, 1)
TERMS = SweepTerms(Decimal("0.15"), 60, 360)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def sweep(payout: str, owed: str, minimum: str = "0.00", terms: SweepTerms = TERMS) -> tuple[str, str, str]:
    result = sweep_payout(usd(payout), terms, SweepState(usd(owed), usd(minimum)))
    assert result.deduction + result.released == result.payout
    return str(result.deduction.amount), str(result.released.amount), str(result.minimum_shortfall.amount)


def test_the_remittance_rate_of_a_payout_repays_the_loan() -> None:
    # 15 % of 1,000.00 = 150.00 to the loan, 850.00 to the seller's wallet
    assert sweep("1000.00", "5000.00") == ("150.00", "850.00", "0.00")


def test_the_minimum_due_is_taken_when_the_payout_allows() -> None:
    # 400.00 of minimum fallen due is more than the 150.00 share: 400.00 taken, 600.00 released
    assert sweep("1000.00", "5000.00", "400.00") == ("400.00", "600.00", "0.00")
    # 1,200.00 due and only 1,000.00 paid out: all of it, 200.00 still short
    assert sweep("1000.00", "5000.00", "1200.00") == ("1000.00", "0.00", "200.00")
    # a minimum below the share changes nothing
    assert sweep("1000.00", "5000.00", "100.00") == ("150.00", "850.00", "0.00")


def test_the_deduction_never_exceeds_what_is_owed() -> None:
    # 100.00 left to repay: 100.00 taken, 900.00 released
    assert sweep("1000.00", "100.00") == ("100.00", "900.00", "0.00")
    # the receivable itself (rate 1): all of the payout up to what is owed
    whole = SweepTerms(Decimal(1), 30, 90)
    assert sweep("1000.00", "600.00", terms=whole) == ("600.00", "400.00", "0.00")
    assert sweep("1000.00", "6000.00", terms=whole) == ("1000.00", "0.00", "0.00")
    # nothing owed: the whole payout is released
    assert sweep("1000.00", "0.00", "50.00") == ("0.00", "1000.00", "0.00")


def test_the_share_rounds_half_to_even() -> None:
    # 333.33 × 0.15 = 49.9995 → 50.00; 0.30 × 0.15 = 0.045 → 0.04 (to the even cent)
    assert sweep("333.33", "5000.00")[0] == "50.00"
    assert sweep("0.30", "5000.00")[0] == "0.04"
    assert sweep("0.70", "5000.00")[0] == "0.10"  # 0.105 → 0.10
    assert sweep("0.00", "5000.00") == ("0.00", "0.00", "0.00")


def test_minimum_due_is_cumulative_over_the_planned_schedule() -> None:
    # 9,000.00 plus a 900.00 fee, six minimums of 1,650.00 due on days 60, 120, …, 360
    plan = payout_sweep(usd("9000.00"), Decimal(0), START, TERMS, fees=usd("900.00"))
    day = [START + timedelta(days=60 * n) for n in range(7)]
    assert minimum_due(plan, usd("0.00"), day[1] - timedelta(days=1)) == usd("0.00")  # nothing due yet
    # by day 60, 1,650.00 due; 1,200.00 swept so far: 450.00 short
    assert minimum_due(plan, usd("1200.00"), day[1]) == usd("450.00")
    # by day 130, 2 × 1,650.00 = 3,300.00 due; 3,300.00 − 1,200.00 = 2,100.00
    assert minimum_due(plan, usd("1200.00"), day[2] + timedelta(days=10)) == usd("2100.00")
    # ahead of the plan: nothing due
    assert minimum_due(plan, usd("5000.00"), day[2]) == usd("0.00")
    assert minimum_due(plan, usd("0.00"), day[6]) == usd("9900.00")
    with pytest.raises(AmountCurrencyMismatch) as currency:
        minimum_due(plan, Money("1.00", "EUR"), day[1])
    assert currency.value.field == "paid_to_date"


def test_sweep_inputs_are_checked() -> None:
    with pytest.raises(AmountNegative) as negative:
        sweep_payout(usd("-1.00"), TERMS, SweepState(usd("1.00"), usd("0.00")))
    assert negative.value.field == "payout"
    with pytest.raises(AmountCurrencyMismatch) as currency:
        sweep_payout(usd("1.00"), TERMS, SweepState(Money("1.00", "EUR"), usd("0.00")))
    assert currency.value.field == "owed"
    with pytest.raises(AmountNotWholeMinorUnits) as fraction:
        sweep_payout(usd("1.00"), TERMS, SweepState(usd("1.00"), usd("0.001")))
    assert fraction.value.field == "minimum_due"


# ---------------------------------------------------------------- properties

money = st.integers(0, 10**9).map(lambda minor: Money.from_minor_units(minor, "USD"))
remittance_rates = st.integers(1, 10_000).map(lambda basis_points: Decimal(basis_points).scaleb(-4))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(payout=money, owed=money, minimum=money, rate=remittance_rates)
def test_deduction_and_release_add_up_to_the_payout(payout: Money, owed: Money, minimum: Money,
                                                    rate: Decimal) -> None:
    result = sweep_payout(payout, SweepTerms(rate, 30, 365), SweepState(owed, minimum))
    assert result.deduction + result.released == payout
    assert usd("0.00") <= result.deduction <= min(payout, owed)
    assert not result.released.is_negative()
    assert result.deduction >= min(result.remittance, payout, owed)
    assert result.deduction >= min(minimum, payout, owed)  # the minimum, if the payout allows
    assert result.minimum_shortfall == max(min(minimum, owed) - result.deduction, usd("0.00"))
    assert not result.minimum_shortfall.is_negative()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(principal_minor=st.integers(100_000, 10**8), rate=st.integers(0, 300_000),
       fee_minor=st.integers(0, 10**6), remittance=remittance_rates,
       payouts=st.lists(st.tuples(st.integers(1, 20), st.integers(0, 5 * 10**6)), min_size=1, max_size=60))
def test_a_revenue_based_loan_repaid_from_payouts(principal_minor: int, rate: int, fee_minor: int,
                                                  remittance: Decimal,
                                                  payouts: list[tuple[int, int]]) -> None:
    """Payouts arrive every few days; interest accrues on the outstanding principal between them;
    each sweep is allocated fees → interest → principal. Nothing outstanding ever goes negative,
    and once the loan is settled, the principal repaid is exactly the principal."""
    principal = Money.from_minor_units(principal_minor, "USD")
    annual_rate = Decimal(rate).scaleb(-6)
    terms = SweepTerms(remittance, 60, 540)
    plan = payout_sweep(principal, annual_rate, START, terms, fees=Money.from_minor_units(fee_minor, "USD"))
    outstanding, interest_due, fees_due = principal, usd("0.00"), plan.total_fees
    principal_repaid, paid, released, accrued, paid_out, deducted = (usd("0.00"),) * 6
    on = START

    def settle(amount: Money, day: date) -> Money:
        nonlocal outstanding, interest_due, fees_due, principal_repaid, paid
        allocation = allocate(amount, [Due(1, day, fees_due, interest_due, outstanding)])
        fees_due -= allocation.fees
        interest_due -= allocation.interest
        outstanding -= allocation.principal
        principal_repaid += allocation.principal
        paid += allocation.allocated
        for amount_left in (fees_due, interest_due, outstanding):
            assert not amount_left.is_negative()
        return allocation.excess

    for gap, payout_minor in payouts:
        day = on + timedelta(days=gap)
        interest = period_interest(outstanding, annual_rate, on, day)
        interest_due += interest
        accrued += interest
        on = day
        payout = Money.from_minor_units(payout_minor, "USD")
        paid_out += payout
        owed = outstanding + interest_due + fees_due
        result = sweep_payout(payout, terms, SweepState(owed, minimum_due(plan, paid, on)))
        assert settle(result.deduction, on).is_zero()  # never more than owed, so never an excess
        released += result.released
        deducted += result.deduction
    assert paid_out == deducted + released
    assert paid == deducted
    # Whatever is left is paid off at the end; what is paid in then closes the loan exactly.
    assert settle(outstanding + interest_due + fees_due, on).is_zero()
    assert outstanding.is_zero()
    assert principal_repaid == principal
    # everything paid is principal + fees + the interest accrued; every payout was deducted or released
    assert paid == principal + plan.total_fees + accrued
