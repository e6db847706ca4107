"""Day-count conventions and schedules: hand-computed cases with the arithmetic shown, and properties
(the principal repaid adds up to the principal, nothing outstanding goes negative, and the equal-
principal schedule is the one the price disclosure shows)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.errors import ValidationFailed
from fourflow.core.money import Money
from fourflow.lending.schedules import (
    ACT_360,
    ACT_365F,
    THIRTY_E_360,
    AmountCurrencyMismatch,
    AmountNegative,
    AmountNotPositive,
    AmountNotWholeMinorUnits,
    DateRangeInvalid,
    DayCountConventionUnknown,
    LoanTermsInvalid,
    Schedule,
    ScheduleKind,
    SweepTerms,
    annuity,
    bullet,
    day_count_convention,
    equal_principal,
    even_due_dates,
    monthly_due_dates,
    payout_sweep,
    sweep_due_dates,
    year_fraction,
)

START = date(2025, 1, 1)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def rows(schedule: Schedule) -> list[tuple[int, date, str, str, str, str]]:
    return [(i.number, i.due_on, str(i.principal.amount), str(i.interest.amount), str(i.fees.amount),
             str(i.total.amount)) for i in schedule.instalments]


# ---------------------------------------------------------------- day count


def test_act_365f_counts_actual_days_over_365() -> None:
    # 1 Jan → 1 Feb 2025 is 31 days: 31 / 365 = 0.0849315068…
    assert day_count_convention(ACT_365F).days(START, date(2025, 2, 1)) == 31
    # (to 50 significant digits, the precision the schedules compute in)
    assert year_fraction(START, date(2025, 2, 1)) == Decimal(
        "0.084931506849315068493150684931506849315068493150685")
    # A leap year has 366 actual days, still over 365: 1.00273972…
    assert year_fraction(date(2024, 1, 1), date(2025, 1, 1), ACT_365F) == Decimal(
        "1.0027397260273972602739726027397260273972602739726")


def test_act_360_counts_actual_days_over_360() -> None:
    # 31 / 360 = 0.0861111…; 180 actual days are exactly half a year
    assert str(year_fraction(START, date(2025, 2, 1), ACT_360))[:10] == "0.08611111"
    assert year_fraction(START, START + timedelta(days=180), ACT_360) == Decimal("0.5")


def test_thirty_e_360_is_the_eurobond_basis() -> None:
    convention = day_count_convention(THIRTY_E_360)
    # 15 Jan → 15 Jul: six months of 30 days = 180 days = 0.5 years
    assert convention.days(date(2025, 1, 15), date(2025, 7, 15)) == 180
    assert year_fraction(date(2025, 1, 15), date(2025, 7, 15), THIRTY_E_360) == Decimal("0.5")
    # 31 Jan counts as the 30th: 31 Jan → 28 Feb = 30 × 1 + (28 − 30) = 28 days
    assert convention.days(date(2025, 1, 31), date(2025, 2, 28)) == 28
    # February is not stretched (that is 30E/360 ISDA): 28 Feb → 31 Mar = 30 + (30 − 28) = 32 days
    assert convention.days(date(2025, 2, 28), date(2025, 3, 31)) == 32
    # 29 Feb 2024 → 31 Mar 2024 = 30 + (30 − 29) = 31 days
    assert convention.days(date(2024, 2, 29), date(2024, 3, 31)) == 31
    # 30 → 31 Jan earns no day; 28 Feb → 1 Mar 2025 earns 3
    assert convention.days(date(2025, 1, 30), date(2025, 1, 31)) == 0
    assert convention.days(date(2025, 2, 28), date(2025, 3, 1)) == 3


@settings(max_examples=300, deadline=None, derandomize=True)
@given(first=st.dates(date(2020, 1, 1), date(2035, 12, 31)), gap_one=st.integers(0, 800),
       gap_two=st.integers(0, 800), name=st.sampled_from([ACT_365F, ACT_360, THIRTY_E_360]))
def test_day_counts_add_up_over_adjacent_periods(first: date, gap_one: int, gap_two: int, name: str) -> None:
    """days(a, c) = days(a, b) + days(b, c): what lets daily accrual add up to the period."""
    convention = day_count_convention(name)
    middle, last = first + timedelta(days=gap_one), first + timedelta(days=gap_one + gap_two)
    assert convention.days(first, last) == convention.days(first, middle) + convention.days(middle, last)
    assert convention.days(first, middle) >= 0


def test_unknown_conventions_and_backward_ranges_are_refused() -> None:
    for name in ("ACT/ACT", "act/365f", "30/360", ""):
        with pytest.raises(DayCountConventionUnknown) as caught:
            day_count_convention(name)
        assert caught.value.field == "convention"
        assert isinstance(caught.value, ValidationFailed)
    assert str(DayCountConventionUnknown(convention="ACT/ACT", known="ACT/365F, ACT/360, 30E/360")) == (
        "ACT/ACT is not a day-count convention Fourflow knows; use one of ACT/365F, ACT/360, 30E/360.")
    with pytest.raises(DateRangeInvalid) as caught_range:
        year_fraction(date(2025, 2, 1), START)
    assert caught_range.value.field == "end"


# ---------------------------------------------------------------- bullet


def test_bullet_pays_principal_and_the_whole_term_interest_at_maturity() -> None:
    # 10,000.00 × 12 % × 31 / 365 = 101.9178… → 101.92
    schedule = bullet(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1))
    assert schedule.kind is ScheduleKind.BULLET
    assert rows(schedule) == [(1, date(2025, 2, 1), "10000.00", "101.92", "0.00", "10101.92")]
    assert schedule.maturity_on == date(2025, 2, 1)
    # A fee of 50.00 is paid with it: 10,000.00 + 101.92 + 50.00 = 10,151.92
    with_fee = bullet(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1), fees=usd("50.00"))
    assert rows(with_fee) == [(1, date(2025, 2, 1), "10000.00", "101.92", "50.00", "10151.92")]


def test_interest_rounds_half_to_even() -> None:
    # ACT/360, one day: 4,500.00 × 1 % × 1 / 360 = 0.125 exactly → 0.12 (half up would give 0.13)
    low = bullet(usd("4500.00"), Decimal("0.01"), START, date(2025, 1, 2), convention=ACT_360)
    assert low.instalments[0].interest == usd("0.12")
    # 4,860.00 × 1 % × 1 / 360 = 0.135 exactly → 0.14 (to the even cent)
    high = bullet(usd("4860.00"), Decimal("0.01"), START, date(2025, 1, 2), convention=ACT_360)
    assert high.instalments[0].interest == usd("0.14")


# ---------------------------------------------------------------- equal principal


def test_equal_principal_hand_computed() -> None:
    # 90 days in 3: due after (2·90·n + 3) // 6 days = 30, 60, 90 → 31 Jan, 2 Mar, 1 Apr.
    dates = even_due_dates(START, 90, 3)
    assert dates == (date(2025, 1, 31), date(2025, 3, 2), date(2025, 4, 1))
    schedule = equal_principal(usd("10000.00"), Decimal("0.12"), START, dates)
    # share = 10,000.00 / 3 = 3,333.33 (rounded down); the last takes 10,000.00 − 2 × 3,333.33 = 3,333.34
    # 1: 10,000.00 × 0.12 × 30 / 365 = 98.6301… → 98.63
    # 2:  6,666.67 × 0.12 × 30 / 365 = 24,000.012 / 365 = 65.7534… → 65.75
    # 3:  3,333.34 × 0.12 × 30 / 365 = 12,000.024 / 365 = 32.8767… → 32.88
    assert rows(schedule) == [
        (1, date(2025, 1, 31), "3333.33", "98.63", "0.00", "3431.96"),
        (2, date(2025, 3, 2), "3333.33", "65.75", "0.00", "3399.08"),
        (3, date(2025, 4, 1), "3333.34", "32.88", "0.00", "3366.22"),
    ]
    assert schedule.total_principal == usd("10000.00")
    assert schedule.total_interest == usd("197.26")  # 98.63 + 65.75 + 32.88
    assert schedule.outstanding_after(0) == usd("10000.00")
    assert schedule.outstanding_after(2) == usd("3333.34")
    assert schedule.instalment(2).due_on == date(2025, 3, 2)
    with pytest.raises(LoanTermsInvalid):
        schedule.instalment(4)


def test_equal_principal_under_act_360_with_spread_fees() -> None:
    # 1: 10,000.00 × 0.12 × 30 / 360 = 100.00
    # 2:  6,666.67 × 0.12 × 30 / 360 = 66.6667… → 66.67
    # 3:  3,333.34 × 0.12 × 30 / 360 = 33.3334 → 33.33
    # fees 100.00 / 3 = 33.33, 33.33, and 100.00 − 66.66 = 33.34
    schedule = equal_principal(usd("10000.00"), Decimal("0.12"), START, even_due_dates(START, 90, 3),
                               convention=ACT_360, fees=usd("100.00"))
    assert [(p, i, f) for _, _, p, i, f, _ in rows(schedule)] == [
        ("3333.33", "100.00", "33.33"), ("3333.33", "66.67", "33.33"), ("3333.34", "33.33", "33.34")]
    assert schedule.total_fees == usd("100.00")
    assert schedule.convention == ACT_360


def test_equal_principal_in_a_currency_without_minor_units() -> None:
    # 1,000,000 JPY / 3 = 333,333 (×2) and 333,334
    # 1: 1,000,000 × 0.15 × 30 / 365 = 12,328.77 → 12,329
    # 2:   666,667 × 0.15 × 30 / 365 =  8,219.18 →  8,219
    # 3:   333,334 × 0.15 × 30 / 365 =  4,109.60 →  4,110
    schedule = equal_principal(Money("1000000", "JPY"), Decimal("0.15"), START, even_due_dates(START, 90, 3))
    assert [(str(i.principal.amount), str(i.interest.amount)) for i in schedule.instalments] == [
        ("333333", "12329"), ("333333", "8219"), ("333334", "4110")]


# ---------------------------------------------------------------- annuity


def test_annuity_hand_computed_monthly_under_30e_360() -> None:
    # Under 30E/360 every month from the 1st is 30/360 = 1/12 of a year, so 12 % a year is 1 % a month
    # and the level payment is the textbook one: A = 12,000 × 0.01 / (1 − 1.01^−12) = 1,066.1854… → 1,066.19
    dates = monthly_due_dates(START, 12)
    schedule = annuity(usd("12000.00"), Decimal("0.12"), START, dates, convention=THIRTY_E_360)
    table = rows(schedule)
    # 1: interest 12,000.00 × 1 % = 120.00; principal 1,066.19 − 120.00 = 946.19 → 11,053.81 left
    assert table[0] == (1, date(2025, 2, 1), "946.19", "120.00", "0.00", "1066.19")
    # 2: interest 11,053.81 × 1 % = 110.5381 → 110.54; principal 1,066.19 − 110.54 = 955.65
    assert table[1] == (2, date(2025, 3, 1), "955.65", "110.54", "0.00", "1066.19")
    # every instalment but the last is 1,066.19
    assert {total for *_, total in table[:-1]} == {"1066.19"}
    # 12: what is left, 1,055.58, with its interest 1,055.58 × 1 % = 10.5558 → 10.56: 1,066.14,
    # the last instalment absorbing the rounding of the level payment
    assert table[-1] == (12, date(2026, 1, 1), "1055.58", "10.56", "0.00", "1066.14")
    assert schedule.total_principal == usd("12000.00")
    assert schedule.total_interest == usd("794.23")  # 11 × 1,066.19 + 1,066.14 − 12,000.00


def test_annuity_at_zero_rate_splits_the_principal() -> None:
    # A = 100.00 / 3 = 33.333… → 33.33; the last takes 100.00 − 66.66 = 33.34
    schedule = annuity(usd("100.00"), Decimal(0), START, monthly_due_dates(START, 3))
    assert [p for _, _, p, *_ in rows(schedule)] == ["33.33", "33.33", "33.34"]


def test_monthly_due_dates_keep_the_day_or_take_the_month_end() -> None:
    assert monthly_due_dates(date(2025, 1, 31), 4) == (
        date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31))
    assert monthly_due_dates(date(2023, 11, 30), 3) == (
        date(2023, 12, 30), date(2024, 1, 30), date(2024, 2, 29))


# ---------------------------------------------------------------- payout sweep


def test_payout_sweep_plans_the_minimum_payments() -> None:
    # Revenue-based financing at a fixed fee: 9,000.00 with a 900.00 fee, 15 % of each payout,
    # a minimum every 60 days, 360 days at most: 6 minimums of 9,000 / 6 = 1,500.00 + 900 / 6 = 150.00
    terms = SweepTerms(Decimal("0.15"), 60, 360)
    schedule = payout_sweep(usd("9000.00"), Decimal(0), START, terms, fees=usd("900.00"))
    assert schedule.kind is ScheduleKind.PAYOUT_SWEEP
    assert [d for _, d, *_ in rows(schedule)] == [START + timedelta(days=60 * n) for n in range(1, 7)]
    assert {(p, i, f, t) for _, _, p, i, f, t in rows(schedule)} == {("1500.00", "0.00", "150.00", "1650.00")}


def test_payout_sweep_with_interest_and_a_short_last_period() -> None:
    # 365 days in periods of 60: due on days 60, 120, …, 360 and 365 (a 5-day last period)
    terms = SweepTerms(Decimal("0.2"), 60, 365)
    assert sweep_due_dates(START, terms)[-2:] == (date(2025, 12, 27), date(2026, 1, 1))
    schedule = payout_sweep(usd("7000.00"), Decimal("0.10"), START, terms)
    # share 7,000.00 / 7 = 1,000.00
    # 1: 7,000.00 × 0.10 × 60 / 365 = 115.0684… → 115.07
    # 7: 1,000.00 × 0.10 ×  5 / 365 =   1.3698… →   1.37
    assert rows(schedule)[0] == (1, date(2025, 3, 2), "1000.00", "115.07", "0.00", "1115.07")
    assert rows(schedule)[-1] == (7, date(2026, 1, 1), "1000.00", "1.37", "0.00", "1001.37")


def test_sweep_terms_are_checked() -> None:
    for rate in (Decimal(0), Decimal("-0.1"), Decimal("1.01"), Decimal("NaN")):
        with pytest.raises(LoanTermsInvalid) as caught:
            SweepTerms(rate, 60, 360)
        assert caught.value.field == "remittance_rate"
    assert SweepTerms(Decimal(1), 60, 360).remittance_rate == 1  # the whole payout, as for a receivable
    with pytest.raises(LoanTermsInvalid) as caught:
        SweepTerms(Decimal("0.1"), 0, 360)
    assert caught.value.field == "minimum_period_days"
    with pytest.raises(LoanTermsInvalid) as caught:
        SweepTerms(Decimal("0.1"), 30, 0)
    assert caught.value.field == "maximum_term_days"


# ---------------------------------------------------------------- errors


def test_invalid_inputs_name_their_field() -> None:
    dates = even_due_dates(START, 90, 3)
    cases: list[tuple[type[ValidationFailed], str, dict[str, object]]] = [
        (AmountNotPositive, "principal", {"principal": usd("0.00")}),
        (AmountNotPositive, "principal", {"principal": usd("-5.00")}),
        (AmountNotWholeMinorUnits, "principal", {"principal": usd("100.001")}),
        (AmountCurrencyMismatch, "fees", {"fees": Money("10.00", "EUR")}),
        (AmountNegative, "fees", {"fees": usd("-1.00")}),
        (LoanTermsInvalid, "annual_rate", {"annual_rate": Decimal("-0.01")}),
        (LoanTermsInvalid, "annual_rate", {"annual_rate": Decimal("Infinity")}),
        (LoanTermsInvalid, "due_dates", {"due_dates": ()}),
        (LoanTermsInvalid, "due_dates", {"due_dates": (date(2025, 2, 1), date(2025, 2, 1))}),
        (LoanTermsInvalid, "due_dates", {"due_dates": (START,)}),
        (DayCountConventionUnknown, "convention", {"convention": "ACT/ACT"}),
    ]
    for builder in (equal_principal, annuity):
        for error, field, change in cases:
            arguments: dict[str, object] = {"principal": usd("1000.00"), "annual_rate": Decimal("0.1"),
                                            "start_on": START, "due_dates": dates, **change}
            with pytest.raises(error) as caught:
                builder(**arguments)  # type: ignore[arg-type]
            assert caught.value.field == field, (builder, change)
    with pytest.raises(LoanTermsInvalid) as term:
        even_due_dates(START, 0, 1)
    assert term.value.field == "term_days"
    with pytest.raises(LoanTermsInvalid) as count:
        even_due_dates(START, 2, 3)
    assert count.value.field == "instalments"
    assert str(count.value) == "The number of instalments must be between 1 and 2."
    with pytest.raises(LoanTermsInvalid) as months:
        monthly_due_dates(START, 0)
    assert months.value.field == "months"


# ---------------------------------------------------------------- properties

currencies = st.sampled_from(["USD", "EUR", "JPY", "KWD"])
annual_rates = st.integers(0, 600_000).map(lambda micro: Decimal(micro).scaleb(-6))  # 0 … 60 %


@st.composite
def schedules(draw: st.DrawFn) -> tuple[Schedule, Money, Money]:
    currency = draw(currencies)
    principal = Money.from_minor_units(draw(st.integers(1, 10**11)), currency)
    fees = Money.from_minor_units(draw(st.integers(0, 10**7)), currency)
    rate = draw(annual_rates)
    start = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    convention = draw(st.sampled_from([ACT_365F, ACT_360, THIRTY_E_360]))
    kind = draw(st.sampled_from(list(ScheduleKind)))
    if kind is ScheduleKind.BULLET:
        schedule = bullet(principal, rate, start, start + timedelta(days=draw(st.integers(1, 1000))),
                          convention=convention, fees=fees)
    elif kind is ScheduleKind.PAYOUT_SWEEP:
        terms = SweepTerms(Decimal("0.1"), draw(st.integers(1, 120)), draw(st.integers(1, 730)))
        schedule = payout_sweep(principal, rate, start, terms, convention=convention, fees=fees)
    else:
        term = draw(st.integers(1, 1500))
        dates = even_due_dates(start, term, draw(st.integers(1, min(term, 48))))
        build = annuity if kind is ScheduleKind.ANNUITY else equal_principal
        schedule = build(principal, rate, start, dates, convention=convention, fees=fees)
    return schedule, principal, fees


@settings(max_examples=400, deadline=None, derandomize=True)
@given(case=schedules())
def test_principal_repaid_adds_up_and_nothing_goes_negative(case: tuple[Schedule, Money, Money]) -> None:
    schedule, principal, fees = case
    assert schedule.total_principal == principal
    assert schedule.total_fees == fees
    assert schedule.outstanding_after(len(schedule.instalments)).is_zero()
    previous = schedule.start_on
    for instalment in schedule.instalments:
        assert instalment.due_on > previous
        previous = instalment.due_on
        for amount in (instalment.principal, instalment.interest, instalment.fees):
            assert not amount.is_negative()
            assert amount.quantized().amount == amount.amount  # whole minor units
            assert amount.currency == principal.currency
        assert instalment.total == instalment.principal + instalment.interest + instalment.fees
        assert not schedule.outstanding_after(instalment.number).is_negative()
    assert schedule.total_amount == principal + schedule.total_interest + fees


@settings(max_examples=200, deadline=None, derandomize=True)
@given(minor=st.integers(10_000, 10**11), rate=annual_rates, months=st.integers(2, 60),
       start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
       convention=st.sampled_from([ACT_365F, ACT_360, THIRTY_E_360]))
def test_annuity_totals_are_level_but_the_last(minor: int, rate: Decimal, months: int, start: date,
                                               convention: str) -> None:
    """With at least 100.00 per instalment the rounding never bends a share: every total but the
    last is the level payment, and the last is within a few cents of it."""
    principal = Money.from_minor_units(minor * months, "USD")
    schedule = annuity(principal, rate, start, monthly_due_dates(start, months), convention=convention)
    totals = [instalment.total for instalment in schedule.instalments]
    assert len(set(totals[:-1])) == 1
    assert abs(totals[-1].amount - totals[0].amount) <= Decimal("0.01") * months
    assert schedule.total_principal == principal


def test_schedule_to_dict_writes_amounts_as_strings() -> None:
    schedule = bullet(usd("10000.00"), Decimal("0.12"), START, date(2025, 2, 1))
    assert schedule.to_dict() == {
        "kind": "bullet", "principal": {"amount": "10000.00", "currency": "USD"}, "annual_rate": "0.12",
        "start_on": "2025-01-01", "convention": "ACT/365F",
        "instalments": [{"number": 1, "due_on": "2025-02-01",
                         "principal": {"amount": "10000.00", "currency": "USD"},
                         "interest": {"amount": "101.92", "currency": "USD"},
                         "fees": {"amount": "0.00", "currency": "USD"},
                         "total": {"amount": "10101.92", "currency": "USD"}}],
        "total_principal": {"amount": "10000.00", "currency": "USD"},
        "total_interest": {"amount": "101.92", "currency": "USD"},
        "total_fees": {"amount": "0.00", "currency": "USD"},
        "total_amount": {"amount": "10101.92", "currency": "USD"}}
