"""Early repayment: payoff quotes and re-amortisation (shorten the term or reduce the instalments),
hand-computed cases with the arithmetic shown, and properties (principal and fees are conserved)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.lending.schedules import (
    THIRTY_E_360,
    AmountCurrencyMismatch,
    AmountNegative,
    DateRangeInvalid,
    EarlyRepaymentFee,
    LoanTermsInvalid,
    Reamortisation,
    Schedule,
    ScheduleKind,
    accrue_interest,
    annuity,
    bullet,
    equal_principal,
    even_due_dates,
    monthly_due_dates,
    payoff_quote,
    reamortise,
)

START = date(2025, 1, 1)
ONE_PERCENT = EarlyRepaymentFee(Decimal("0.01"))


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def rows(schedule: Schedule) -> list[tuple[int, date, str, str, str]]:
    return [(i.number, i.due_on, str(i.principal.amount), str(i.interest.amount), str(i.total.amount))
            for i in schedule.instalments]


# 10,000.00 at 12 %, ACT/365F, 3 instalments due 31 Jan, 2 Mar, 1 Apr 2025 (see test_schedules):
# principal 3,333.33, 3,333.33, 3,333.34; interest 98.63, 65.75, 32.88
THREE = equal_principal(usd("10000.00"), Decimal("0.12"), START, even_due_dates(START, 90, 3))


# ---------------------------------------------------------------- payoff quotes


def test_payoff_quote_between_due_dates() -> None:
    # Instalment 1 paid; quote on 15 Feb: 6,666.67 principal;
    # interest since 31 Jan, 15 days: 6,666.67 × 0.12 × 15 / 365 = 12,000.006 / 365 = 32.8767… → 32.88;
    # 1 % early-repayment fee on the 6,666.67 not yet due = 66.6667 → 66.67
    # total 6,666.67 + 32.88 + 66.67 = 6,766.22
    quote = payoff_quote(THREE, date(2025, 2, 15), outstanding_principal=usd("6666.67"),
                         early_repayment_fee=ONE_PERCENT)
    assert (quote.principal, quote.interest, quote.fees, quote.early_repayment_fee, quote.total) == (
        usd("6666.67"), usd("32.88"), usd("0.00"), usd("66.67"), usd("6766.22"))
    # The interest is what the daily accrual posts over the same 15 days.
    assert accrue_interest(usd("6666.67"), Decimal("0.12"), date(2025, 1, 31), date(2025, 2, 15)).total \
        == quote.interest
    # Without a fee policy there is no fee
    without = payoff_quote(THREE, date(2025, 2, 15), outstanding_principal=usd("6666.67"))
    assert (without.early_repayment_fee, without.total) == (usd("0.00"), usd("6699.55"))


def test_payoff_quote_with_an_overdue_instalment() -> None:
    # Instalment 2 (due 2 Mar) unpaid on 10 Mar: its interest 65.75 is billed and unpaid;
    # 8 more days on 6,666.67: 6,666.67 × 0.12 × 8 / 365 = 6,400.0032 / 365 = 17.5342… → 17.53;
    # interest 65.75 + 17.53 = 83.28; the fee is only on principal not yet due, 3,333.34: 33.3334 → 33.33;
    # a late fee of 25.00 is unpaid; total 6,666.67 + 83.28 + 25.00 + 33.33 = 6,808.28
    quote = payoff_quote(THREE, date(2025, 3, 10), outstanding_principal=usd("6666.67"),
                         unpaid_interest=usd("65.75"), unpaid_fees=usd("25.00"),
                         early_repayment_fee=ONE_PERCENT)
    assert (quote.interest, quote.fees, quote.early_repayment_fee, quote.total) == (
        usd("83.28"), usd("25.00"), usd("33.33"), usd("6808.28"))


def test_payoff_quote_on_a_due_date_and_with_a_flat_fee() -> None:
    # On 2 Mar itself no interest has accrued since that due date; the 65.75 is in the instalment.
    # Fee: 1 % of the 3,333.34 due later = 33.33, plus 50.00 flat = 83.33
    quote = payoff_quote(THREE, date(2025, 3, 2), outstanding_principal=usd("6666.67"),
                         unpaid_interest=usd("65.75"),
                         early_repayment_fee=EarlyRepaymentFee(Decimal("0.01"), usd("50.00")))
    assert (quote.interest, quote.early_repayment_fee) == (usd("65.75"), usd("83.33"))
    # After maturity nothing is early: no fee, flat or not
    late = payoff_quote(THREE, date(2025, 4, 10), outstanding_principal=usd("3333.34"),
                        early_repayment_fee=EarlyRepaymentFee(Decimal("0.01"), usd("50.00")))
    assert late.early_repayment_fee == usd("0.00")


def test_payoff_quote_inputs_are_checked() -> None:
    with pytest.raises(DateRangeInvalid) as early:
        payoff_quote(THREE, date(2024, 12, 31), outstanding_principal=usd("10000.00"))
    assert early.value.field == "on"
    with pytest.raises(AmountNegative) as negative:
        payoff_quote(THREE, date(2025, 2, 1), outstanding_principal=usd("-1.00"))
    assert negative.value.field == "outstanding_principal"
    with pytest.raises(AmountCurrencyMismatch) as currency:
        payoff_quote(THREE, date(2025, 2, 1), outstanding_principal=usd("1.00"),
                     unpaid_fees=Money("1", "EUR"))
    assert currency.value.field == "unpaid_fees"
    with pytest.raises(LoanTermsInvalid) as rate:
        EarlyRepaymentFee(Decimal("1.5"))
    assert rate.value.field == "rate"
    with pytest.raises(AmountNegative) as flat:
        EarlyRepaymentFee(flat=usd("-5.00"))
    assert flat.value.field == "flat"


# ---------------------------------------------------------------- re-amortisation

# 12,000.00 at 12 % ACT/365F in 4 monthly equal-principal instalments (1 Feb, 1 Mar, 1 Apr, 1 May):
# 3,000.00 each.
FOUR = equal_principal(usd("12000.00"), Decimal("0.12"), START, monthly_due_dates(START, 4))


def test_reduce_instalments_keeps_the_dates() -> None:
    # Instalment 1 paid on 1 Feb with 3,000.00 more principal: 6,000.00 left over 3 dates → 2,000.00 each
    # 1 Mar: 6,000.00 × 0.12 × 28 / 365 = 20,160 / 365 = 55.2328… → 55.23
    # 1 Apr: 4,000.00 × 0.12 × 31 / 365 = 14,880 / 365 = 40.7671… → 40.77
    # 1 May: 2,000.00 × 0.12 × 30 / 365 =  7,200 / 365 = 19.7260… → 19.73
    schedule = reamortise(FOUR, settled_through=1, prepaid_on=date(2025, 2, 1),
                          outstanding_principal=usd("6000.00"), choice=Reamortisation.REDUCE_INSTALMENTS)
    assert rows(schedule) == [
        (2, date(2025, 3, 1), "2000.00", "55.23", "2055.23"),
        (3, date(2025, 4, 1), "2000.00", "40.77", "2040.77"),
        (4, date(2025, 5, 1), "2000.00", "19.73", "2019.73")]
    assert (schedule.kind, schedule.principal, schedule.start_on) == (
        ScheduleKind.EQUAL_PRINCIPAL, usd("6000.00"), date(2025, 2, 1))


def test_shorten_term_keeps_the_instalment() -> None:
    # Same prepayment, keeping the 3,000.00 share: two instalments instead of three
    # 1 Mar: 6,000.00 × 0.12 × 28 / 365 = 55.23 (as above)
    # 1 Apr: 3,000.00 × 0.12 × 31 / 365 = 11,160 / 365 = 30.5753… → 30.58
    schedule = reamortise(FOUR, settled_through=1, prepaid_on=date(2025, 2, 1),
                          outstanding_principal=usd("6000.00"), choice=Reamortisation.SHORTEN_TERM)
    assert rows(schedule) == [
        (2, date(2025, 3, 1), "3000.00", "55.23", "3055.23"),
        (3, date(2025, 4, 1), "3000.00", "30.58", "3030.58")]


def test_a_prepayment_between_due_dates_earns_interest_from_its_day() -> None:
    # 4,000.00 prepaid on 15 Feb (the interest to then is paid with it): 5,000.00 left;
    # reduce: 5,000.00 / 3 = 1,666.66, 1,666.66, 1,666.68
    # 1 Mar: 5,000.00 × 0.12 × 14 / 365 = 8,400 / 365 = 23.0136… → 23.01
    schedule = reamortise(FOUR, settled_through=1, prepaid_on=date(2025, 2, 15),
                          outstanding_principal=usd("5000.00"), choice=Reamortisation.REDUCE_INSTALMENTS)
    assert [(p, i) for _, _, p, i, _ in rows(schedule)][:1] == [("1666.66", "23.01")]
    assert rows(schedule)[-1][2] == "1666.68"


# 12,000.00 at 12 % 30E/360, 12 monthly annuity instalments of 1,066.19 (see test_schedules); after
# 3 instalments 12,000.00 − 946.19 − 955.65 − 965.21 = 9,132.95 is left.
ANNUITY = annuity(usd("12000.00"), Decimal("0.12"), START, monthly_due_dates(START, 12),
                  convention=THIRTY_E_360)


def test_annuity_shorten_term_keeps_the_payment() -> None:
    assert ANNUITY.outstanding_after(3) == usd("9132.95")
    # 3,132.95 prepaid on 1 Apr: 6,000.00 left, paid at 1,066.19 a month at 1 % a month:
    # 1 May: interest 60.00, principal 1,006.19 → 4,993.81
    # 1 Jun: interest 49.9381 → 49.94, principal 1,016.25 → 3,977.56
    # 1 Jul: 39.7756 → 39.78, 1,026.41 → 2,951.15
    # 1 Aug: 29.5115 → 29.51, 1,036.68 → 1,914.47
    # 1 Sep: 19.1447 → 19.14, 1,047.05 → 867.42
    # 1 Oct: 8.6742 → 8.67, and the last 867.42: 876.09. Six instalments instead of nine.
    schedule = reamortise(ANNUITY, settled_through=3, prepaid_on=date(2025, 4, 1),
                          outstanding_principal=usd("6000.00"), choice=Reamortisation.SHORTEN_TERM)
    assert rows(schedule) == [
        (4, date(2025, 5, 1), "1006.19", "60.00", "1066.19"),
        (5, date(2025, 6, 1), "1016.25", "49.94", "1066.19"),
        (6, date(2025, 7, 1), "1026.41", "39.78", "1066.19"),
        (7, date(2025, 8, 1), "1036.68", "29.51", "1066.19"),
        (8, date(2025, 9, 1), "1047.05", "19.14", "1066.19"),
        (9, date(2025, 10, 1), "867.42", "8.67", "876.09")]


def test_annuity_reduce_instalments_lowers_the_payment() -> None:
    # 6,000.00 over the 9 remaining months at 1 %: A = 6,000 × 0.01 / (1 − 1.01^−9) = 700.4455… → 700.44
    # 1 May: interest 60.00, principal 700.44 − 60.00 = 640.44
    schedule = reamortise(ANNUITY, settled_through=3, prepaid_on=date(2025, 4, 1),
                          outstanding_principal=usd("6000.00"), choice=Reamortisation.REDUCE_INSTALMENTS)
    assert rows(schedule)[0] == (4, date(2025, 5, 1), "640.44", "60.00", "700.44")
    assert {total for *_, total in rows(schedule)[:-1]} == {"700.44"}
    assert rows(schedule)[-1] == (12, date(2026, 1, 1), "693.53", "6.94", "700.47")
    assert schedule.kind is ScheduleKind.ANNUITY


def test_fees_of_dropped_instalments_move_to_the_new_last_one() -> None:
    # 40.00 of fees, 10.00 per instalment; shortening to two instalments leaves 10.00 + 10.00 + 10.00
    with_fees = equal_principal(usd("12000.00"), Decimal("0.12"), START, monthly_due_dates(START, 4),
                                fees=usd("40.00"))
    shortened = reamortise(with_fees, settled_through=1, prepaid_on=date(2025, 2, 1),
                           outstanding_principal=usd("6000.00"), choice=Reamortisation.SHORTEN_TERM)
    assert [i.fees for i in shortened.instalments] == [usd("10.00"), usd("20.00")]
    reduced = reamortise(with_fees, settled_through=1, prepaid_on=date(2025, 2, 1),
                         outstanding_principal=usd("6000.00"), choice=Reamortisation.REDUCE_INSTALMENTS)
    assert [i.fees for i in reduced.instalments] == [usd("10.00")] * 3


def test_a_bullet_is_reduced_whatever_the_choice() -> None:
    # 10,000.00 due 1 Apr; 4,000.00 prepaid on 1 Feb: 6,000.00 × 0.12 × 59 / 365 = 42,480 / 365 = 116.38…
    loan = bullet(usd("10000.00"), Decimal("0.12"), START, date(2025, 4, 1))
    for choice in Reamortisation:
        schedule = reamortise(loan, settled_through=0, prepaid_on=date(2025, 2, 1),
                              outstanding_principal=usd("6000.00"), choice=choice)
        assert rows(schedule) == [(1, date(2025, 4, 1), "6000.00", "116.38", "6116.38")]


def test_reamortisation_inputs_are_checked() -> None:
    def attempt(**changes: object) -> LoanTermsInvalid:
        arguments: dict[str, object] = {"settled_through": 1, "prepaid_on": date(2025, 2, 1),
                                        "outstanding_principal": usd("6000.00"),
                                        "choice": Reamortisation.SHORTEN_TERM, **changes}
        with pytest.raises(LoanTermsInvalid) as caught:
            reamortise(FOUR, **arguments)  # type: ignore[arg-type]
        return caught.value

    assert attempt(prepaid_on=date(2025, 1, 31)).field == "prepaid_on"  # before instalment 1 was due
    assert attempt(prepaid_on=date(2025, 3, 1)).field == "prepaid_on"  # instalment 2 is due then
    assert str(attempt(prepaid_on=date(2025, 3, 1))) == (
        "The prepayment date must be on or after 2025-02-01 and before 2025-03-01.")
    assert attempt(outstanding_principal=usd("9000.01")).field == "outstanding_principal"  # above the plan
    assert attempt(outstanding_principal=usd("0.00")).field == "outstanding_principal"
    assert attempt(settled_through=4, prepaid_on=date(2025, 5, 1)).field == "settled_through"
    assert attempt(settled_through=7).field == "settled_through"
    with pytest.raises(AmountCurrencyMismatch):
        reamortise(FOUR, settled_through=1, prepaid_on=date(2025, 2, 1),
                   outstanding_principal=Money("6000.00", "EUR"), choice=Reamortisation.SHORTEN_TERM)


# ---------------------------------------------------------------- properties


@st.composite
def prepayments(draw: st.DrawFn) -> tuple[Schedule, int, date, Money]:
    kind = draw(st.sampled_from([ScheduleKind.EQUAL_PRINCIPAL, ScheduleKind.ANNUITY]))
    months = draw(st.integers(2, 36))
    principal = Money.from_minor_units(draw(st.integers(months * 100, 10**10)), "USD")
    rate = Decimal(draw(st.integers(0, 400_000))).scaleb(-6)
    fees = Money.from_minor_units(draw(st.integers(0, 10**6)), "USD")
    build = annuity if kind is ScheduleKind.ANNUITY else equal_principal
    schedule = build(principal, rate, START, monthly_due_dates(START, months), fees=fees,
                     convention=draw(st.sampled_from(["ACT/365F", "ACT/360", "30E/360"])))
    settled = draw(st.integers(0, months - 1))
    earliest = schedule.start_on if settled == 0 else schedule.instalment(settled).due_on
    gap = (schedule.instalment(settled + 1).due_on - earliest).days
    prepaid_on = earliest + timedelta(days=draw(st.integers(0, gap - 1)))
    planned = schedule.outstanding_after(settled).to_minor_units()
    left = Money.from_minor_units(draw(st.integers(1, planned)), "USD")
    return schedule, settled, prepaid_on, left


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=prepayments(), choice=st.sampled_from(list(Reamortisation)))
def test_reamortisation_conserves_principal_and_fees(case: tuple[Schedule, int, date, Money],
                                                     choice: Reamortisation) -> None:
    schedule, settled, prepaid_on, left = case
    remaining = schedule.instalments[settled:]
    new = reamortise(schedule, settled_through=settled, prepaid_on=prepaid_on, outstanding_principal=left,
                     choice=choice)
    assert new.total_principal == left
    assert new.total_fees == sum((i.fees for i in remaining), Money.zero("USD"))
    assert [i.number for i in new.instalments] == list(range(settled + 1, settled + 1 + len(new.instalments)))
    dates = [i.due_on for i in new.instalments]
    assert dates == [i.due_on for i in remaining][:len(dates)]
    if choice is Reamortisation.REDUCE_INSTALMENTS:
        assert len(dates) == len(remaining)
    for instalment in new.instalments:
        assert not instalment.principal.is_negative()
        assert not instalment.interest.is_negative()
        assert not new.outstanding_after(instalment.number).is_negative()
    shortened, reduced = (reamortise(schedule, settled_through=settled, prepaid_on=prepaid_on,
                                     outstanding_principal=left, choice=each)
                          for each in (Reamortisation.SHORTEN_TERM, Reamortisation.REDUCE_INSTALMENTS))
    assert len(shortened.instalments) <= len(reduced.instalments)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(case=prepayments())
def test_shortening_without_a_prepayment_changes_nothing(case: tuple[Schedule, int, date, Money]) -> None:
    """Re-amortising what the schedule itself leaves, from the last due date, gives the rest of the
    same schedule back: the arithmetic of the builders and of the re-amortisation agree."""
    schedule, settled, _, _ = case
    earliest = schedule.start_on if settled == 0 else schedule.instalment(settled).due_on
    same = reamortise(schedule, settled_through=settled, prepaid_on=earliest,
                      outstanding_principal=schedule.outstanding_after(settled),
                      choice=Reamortisation.SHORTEN_TERM)
    assert same.instalments == schedule.instalments[settled:]
