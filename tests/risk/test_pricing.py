"""Risk-based pricing: rate components, fees, schedule, APR (EU CCD, ACT/365) and total cost of credit."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.risk.pricing import (
    PRICING_VERSION,
    AnnualPercentageRateNotFound,
    CashFlow,
    PricingInputInvalid,
    PricingInputs,
    RateComponents,
    annual_percentage_rate,
    price_loan,
    probability_to_decimal,
)

START = date(2025, 1, 1)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def inputs(**changes: Any) -> PricingInputs:
    base = PricingInputs(
        principal=eur("10000"), disbursement_date=START, term_days=90,
        probability_of_default=Decimal("0.02"), loss_given_default=Decimal("0.45"),
        cost_of_funds=Decimal("0.04"), capital_ratio=Decimal("0.08"), cost_of_capital=Decimal("0.15"),
        operating_cost=Decimal("0.02"), margin=Decimal("0.03"), arrangement_fee_rate=Decimal("0.01"),
        minimum_arrangement_fee=eur("150"), instalments=3)
    return dataclasses.replace(base, **changes)


def plain(**changes: Any) -> PricingInputs:
    """Only a cost of funds: the rate is exactly what the test sets."""
    zero = Decimal(0)
    return inputs(probability_of_default=zero, loss_given_default=zero, capital_ratio=zero,
                  cost_of_capital=zero, operating_cost=zero, margin=zero, arrangement_fee_rate=zero,
                  minimum_arrangement_fee=None, instalments=1, **changes)


# ---------------------------------------------------------------- APR


def _reference_surplus(rate: Decimal, drawn: Decimal, repayments: list[tuple[Decimal, int]]) -> Decimal:
    """The APR equation's two sides, the slow way: (1 + X)^(-days/365) at 40 digits."""
    with localcontext() as context:
        context.prec = 40
        return sum((amount * (1 + rate) ** (-Decimal(days) / 365) for amount, days in repayments),
                   Decimal(0)) - drawn


@settings(max_examples=200, deadline=None)
@given(drawn=st.integers(100, 1_000_000),
       repayments=st.lists(st.tuples(st.integers(1, 400_000), st.integers(1, 730)), min_size=1, max_size=12))
def test_apr_is_the_rounded_root_of_the_equation(drawn: int, repayments: list[tuple[int, int]]) -> None:
    """Whatever the cash flows, the APR returned has the root of the equation within half a
    rounding step of it (the surplus changes sign between its two rounding boundaries)."""
    flows = [(Decimal(amount), days) for amount, days in repayments]
    try:
        apr = annual_percentage_rate([CashFlow(START, eur(str(drawn)))],
                                     [CashFlow(START + timedelta(days=days), eur(str(amount)))
                                      for amount, days in flows])
    except AnnualPercentageRateNotFound:
        return
    half = Decimal("0.00005")
    if apr - half > -1:
        assert _reference_surplus(apr - half, Decimal(drawn), flows) >= 0
    assert _reference_surplus(apr + half, Decimal(drawn), flows) <= 0


def test_apr_of_one_repayment_a_year_later_is_the_simple_rate() -> None:
    apr = annual_percentage_rate([CashFlow(START, eur("10000"))],
                                 [CashFlow(START + timedelta(days=365), eur("10500"))])
    assert apr == Decimal("0.0500")


def test_an_upfront_fee_reduces_the_drawdown_and_raises_the_apr() -> None:
    # 10,500 / 9,900 - 1 = 6.0606… %
    apr = annual_percentage_rate([CashFlow(START, eur("9900"))],
                                 [CashFlow(START + timedelta(days=365), eur("10500"))])
    assert apr == Decimal("0.0606")


def test_apr_compounds_a_short_loan_to_a_year() -> None:
    # (10,250 / 10,000) ^ (365 / 182) - 1 = 5.0768 %
    apr = annual_percentage_rate([CashFlow(START, eur("10000"))],
                                 [CashFlow(START + timedelta(days=182), eur("10250"))])
    assert apr == Decimal("0.0508")


def test_apr_of_twelve_instalments() -> None:
    repayments = [CashFlow(START + timedelta(days=30 * month), eur("900")) for month in range(1, 13)]
    assert annual_percentage_rate([CashFlow(START, eur("10000"))], repayments) == Decimal("0.1568")


def test_apr_can_be_negative_and_needs_a_solvable_schedule() -> None:
    year_later = START + timedelta(days=365)
    assert annual_percentage_rate([CashFlow(START, eur("10000"))], [CashFlow(year_later, eur("9500"))]) \
        == Decimal("-0.0500")
    with pytest.raises(AnnualPercentageRateNotFound):
        annual_percentage_rate([CashFlow(START, eur("10000"))], [CashFlow(year_later, eur("0"))])
    with pytest.raises(AnnualPercentageRateNotFound):
        annual_percentage_rate([CashFlow(START, eur("10000"))], [])
    with pytest.raises(AnnualPercentageRateNotFound):
        annual_percentage_rate([CashFlow(START, eur("10000"))], [CashFlow(year_later, Money("10500", "USD"))])


# ---------------------------------------------------------------- the price


def test_the_rate_is_the_sum_of_its_components() -> None:
    price = price_loan(inputs())
    assert price.components == RateComponents(
        cost_of_funds=Decimal("0.040000"),
        expected_loss=Decimal("0.009000"),  # 2 % × 45 %
        capital_charge=Decimal("0.008800"),  # 8 % × (15 % - 4 %)
        operating_cost=Decimal("0.020000"),
        margin=Decimal("0.030000"))
    assert price.annual_rate == Decimal("0.107800")
    assert price.version == PRICING_VERSION == "pricing@v1"


def test_a_full_price_with_fee_schedule_apr_and_total_cost() -> None:
    price = price_loan(inputs())
    assert price.arrangement_fee == eur("150.00")  # 1 % is 100, below the minimum
    assert [(i.due_on, i.principal, i.interest) for i in price.schedule] == [
        (date(2025, 1, 31), eur("3333.33"), eur("88.60")),  # 10,000 × 10.78 % × 30 / 365
        (date(2025, 3, 2), eur("3333.33"), eur("59.07")),
        (date(2025, 4, 1), eur("3333.34"), eur("29.53")),
    ]
    assert price.total_interest == eur("177.20")
    assert price.total_cost_of_credit == eur("327.20")
    assert price.total_amount_payable == eur("10327.20")
    assert price.annual_percentage_rate == Decimal("0.2213")


def test_a_bullet_loan_for_a_year_has_the_rate_as_apr() -> None:
    price = price_loan(plain(cost_of_funds=Decimal("0.05"), term_days=365))
    assert [(i.due_on, i.principal, i.interest) for i in price.schedule] == [
        (date(2026, 1, 1), eur("10000"), eur("500.00"))]
    assert price.total_cost_of_credit == eur("500.00")
    assert price.annual_percentage_rate == Decimal("0.0500")


def test_the_fee_above_its_minimum_and_in_a_currency_without_minor_units() -> None:
    assert price_loan(inputs(arrangement_fee_rate=Decimal("0.015"))).arrangement_fee == eur("150.00")
    assert price_loan(inputs(principal=eur("20000"), arrangement_fee_rate=Decimal("0.015"))).arrangement_fee \
        == eur("300.00")
    yen = price_loan(inputs(principal=Money("1000000", "JPY"), minimum_arrangement_fee=Money("5000", "JPY")))
    assert yen.arrangement_fee == Money("10000", "JPY")
    assert [i.interest for i in yen.schedule] == [Money("8860", "JPY"), Money("5907", "JPY"),
                                                 Money("2953", "JPY")]


def test_the_capital_charge_is_never_negative() -> None:
    price = price_loan(inputs(cost_of_capital=Decimal("0.03")))
    assert price.components.capital_charge == Decimal("0.000000")


def test_the_price_is_json() -> None:
    stored = json.loads(json.dumps(price_loan(inputs()).to_dict()))
    assert stored["annual_rate"] == "0.107800"
    assert stored["annual_percentage_rate"] == "0.2213"
    assert stored["arrangement_fee"] == {"amount": "150.00", "currency": "EUR"}
    assert stored["schedule"][0] == {"due_on": "2025-01-31",
                                     "principal": {"amount": "3333.33", "currency": "EUR"},
                                     "interest": {"amount": "88.60", "currency": "EUR"},
                                     "total": {"amount": "3421.93", "currency": "EUR"}}
    assert json.loads(json.dumps(inputs().to_dict()))["probability_of_default"] == "0.02"


def test_a_model_probability_enters_pricing_as_a_decimal() -> None:
    assert probability_to_decimal(0.0123456789) == Decimal("0.012346")
    assert probability_to_decimal(1e-9) == Decimal("0.000000")
    with pytest.raises(PricingInputInvalid):
        probability_to_decimal(1.5)
    with pytest.raises(PricingInputInvalid):
        probability_to_decimal(float("nan"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"principal": eur("0")}, "principal"),
    ({"term_days": 0}, "term_days"),
    ({"term_days": 2, "instalments": 3}, "term_days"),
    ({"probability_of_default": Decimal("1.01")}, "probability_of_default"),
    ({"loss_given_default": Decimal("-0.1")}, "loss_given_default"),
    ({"margin": Decimal("NaN")}, "margin"),
    ({"minimum_arrangement_fee": Money("150", "USD")}, "minimum_arrangement_fee"),
    ({"arrangement_fee_rate": Decimal("1")}, "arrangement_fee_rate"),
])
def test_inputs_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(PricingInputInvalid) as raised:
        price_loan(inputs(**changes))
    assert raised.value.field == field
    assert raised.value.code == "pricing_input_invalid"


def test_out_of_range_message() -> None:
    with pytest.raises(PricingInputInvalid) as raised:
        price_loan(inputs(margin=Decimal("2")))
    assert str(raised.value) == "margin must be between 0 and 1."


# ---------------------------------------------------------------- properties

probabilities = st.decimals(min_value=0, max_value=1, places=4)
fee_rates = st.decimals(min_value=0, max_value=Decimal("0.2"), places=4)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(first=probabilities, second=probabilities)
def test_a_higher_probability_of_default_never_lowers_the_rate(first: Decimal, second: Decimal) -> None:
    low, high = sorted((first, second))
    low_rate = price_loan(inputs(probability_of_default=low)).annual_rate
    high_rate = price_loan(inputs(probability_of_default=high)).annual_rate
    assert low_rate <= high_rate
    if high - low >= Decimal("0.0001"):
        assert low_rate < high_rate


@settings(max_examples=30, deadline=None, derandomize=True)
@given(first=fee_rates, second=fee_rates, term_days=st.integers(min_value=7, max_value=720))
def test_a_higher_fee_never_lowers_the_apr(first: Decimal, second: Decimal, term_days: int) -> None:
    low, high = sorted((first, second))
    common = {"minimum_arrangement_fee": None, "term_days": term_days, "instalments": 1}
    low_apr = price_loan(inputs(arrangement_fee_rate=low, **common)).annual_percentage_rate
    high_apr = price_loan(inputs(arrangement_fee_rate=high, **common)).annual_percentage_rate
    assert low_apr <= high_apr


@settings(max_examples=40, deadline=None, derandomize=True)
@given(principal=st.decimals(min_value=1, max_value=10_000_000, places=2),
       term_days=st.integers(min_value=12, max_value=1095),
       instalments=st.integers(min_value=1, max_value=12))
def test_the_schedule_repays_the_principal_and_the_totals_add_up(principal: Decimal, term_days: int,
                                                                  instalments: int) -> None:
    price = price_loan(inputs(principal=eur(str(principal)), term_days=term_days, instalments=instalments,
                              minimum_arrangement_fee=eur("0.01")))
    repaid = sum((i.principal for i in price.schedule), eur("0"))
    assert repaid == eur(str(principal))
    assert price.schedule[-1].due_on == START + timedelta(days=term_days)
    assert all(earlier.due_on < later.due_on for earlier, later in itertools.pairwise(price.schedule))
    assert price.total_cost_of_credit == price.total_interest + price.arrangement_fee
    assert price.total_amount_payable == repaid + price.total_cost_of_credit
    assert price.annual_percentage_rate > 0
