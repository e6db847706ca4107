"""Dynamic credit limits: per transaction and cumulative, from sales, grade, history and lateness;
request checks for both limits and for the use of funds."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.risk.limits import (
    LIMITS_VERSION,
    LimitDecision,
    LimitFactors,
    LimitInputInvalid,
    LimitInputs,
    check_request,
    compute_limit,
    delinquency_factor,
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def limit(**changes: Any) -> LimitDecision:
    base = LimitInputs(product="order_financing", monthly_sales=eur("20000"), grade="C")
    return compute_limit(dataclasses.replace(base, **changes))


def amounts(decision: LimitDecision) -> tuple[Money, Money]:
    return decision.per_transaction_limit, decision.cumulative_limit


def codes(decision: LimitDecision) -> list[str]:
    return [reason.code for reason in decision.reasons]


# ---------------------------------------------------------------- the limit


def test_a_grade_c_seller_without_history_gets_a_month_of_sales() -> None:
    decision = limit()
    assert amounts(decision) == (eur("10000"), eur("20000"))
    assert decision.version == LIMITS_VERSION == "limits@v1"
    assert decision.use_of_funds_restricted is True
    assert decision.fast_path is False
    assert codes(decision) == ["grade_multiplier"]
    assert decision.reasons[0].describe("en") == "Grade C sets the limit at 100 % of the base."


@pytest.mark.parametrize(("grade", "cumulative"), [("A", "30000"), ("B", "25000"), ("C", "20000"),
                                                   ("D", "10000"), ("E", "0")])
def test_grades_multiply_the_limit(grade: str, cumulative: str) -> None:
    assert limit(grade=grade).cumulative_limit == eur(cumulative)


def test_grade_e_is_not_lent_to() -> None:
    decision = limit(grade="E")
    assert amounts(decision) == (eur("0"), eur("0"))
    assert decision.reasons[0].describe("en") == "Grade E is not lent to."


@pytest.mark.parametrize(("product", "per_transaction", "cumulative", "restricted"), [
    ("order_financing", "10000", "20000", True),
    ("receivables_financing", "15000", "30000", False),
    ("inventory_financing", "8000", "20000", True),
    ("revolving_credit_line", "15000", "15000", False),
])
def test_products_set_the_multiple_and_the_per_transaction_share(product: str, per_transaction: str,
                                                                cumulative: str, restricted: bool) -> None:
    decision = limit(product=product)
    assert amounts(decision) == (eur(per_transaction), eur(cumulative))
    assert decision.use_of_funds_restricted is restricted


def test_on_time_repayments_grow_the_limit_up_to_half_again() -> None:
    # 3 loans: +15 %; 30,000 repaid = 1.5 months of sales: +7.5 %
    grown = limit(on_time_repaid_loans=3, on_time_repaid_amount=eur("30000"))
    assert grown.factors.history_factor == Decimal("1.2250")
    assert amounts(grown) == (eur("12250"), eur("24500"))
    assert grown.reasons[1].describe("en") == "On-time repayments raise the limit by 22.5 %."
    capped = limit(on_time_repaid_loans=40, on_time_repaid_amount=eur("1000000"))
    assert capped.factors.history_factor == Decimal("1.5000")
    assert capped.cumulative_limit == eur("30000")


@pytest.mark.parametrize(("days", "cumulative", "code"), [
    (0, "20000", None), (1, "18000", "delinquency_reduction"), (7, "18000", "delinquency_reduction"),
    (8, "12000", "delinquency_reduction"), (30, "12000", "delinquency_reduction"),
    (31, "6000", "delinquency_reduction"), (60, "6000", "delinquency_reduction"),
    (61, "0", "severe_delinquency"), (400, "0", "severe_delinquency"),
])
def test_lateness_shrinks_the_limit(days: int, cumulative: str, code: str | None) -> None:
    decision = limit(days_past_due=days)
    assert decision.cumulative_limit == eur(cumulative)
    assert codes(decision)[1:] == ([code] if code else [])


def test_the_delinquency_message() -> None:
    decision = limit(days_past_due=12)
    assert decision.reasons[1].describe("en") == \
        "Payments up to 12 days late in the last 12 months cut the limit to 60 %."


def test_a_proven_seller_gets_more_and_the_fast_path() -> None:
    decision = limit(proven_seller=True, grade="B")
    assert amounts(decision) == (eur("15000"), eur("30000"))
    assert decision.fast_path is True
    assert decision.reasons[-1].describe("en") == "As a proven seller, the limit is raised by 20 %."
    assert limit(proven_seller=True, days_past_due=3).fast_path is False
    assert limit(proven_seller=True, grade="D").fast_path is False


def test_all_factors_together_round_down_to_whole_units() -> None:
    # 20,000 × 1.25 × 1.225 × 0.90 × 1.20 = 33,075; half of it is 16,537.5
    decision = limit(grade="B", on_time_repaid_loans=3, on_time_repaid_amount=eur("30000"), days_past_due=5,
                     proven_seller=True)
    assert amounts(decision) == (eur("16537"), eur("33075"))
    assert decision.factors == LimitFactors(
        sales_multiple=Decimal("1.00"), grade_multiplier=Decimal("1.25"), history_factor=Decimal("1.2250"),
        delinquency_factor=Decimal("0.90"), proven_seller_factor=Decimal("1.20"),
        per_transaction_share=Decimal("0.50"))
    assert limit(monthly_sales=eur("333.33")).cumulative_limit == eur("333")


def test_the_exposure_cap_and_no_sales() -> None:
    capped = limit(exposure_cap=eur("15000.50"))
    assert amounts(capped) == (eur("7500"), eur("15000"))
    assert capped.reasons[-1].describe("en") == "The limit is capped at 15000.50 EUR."
    assert limit(exposure_cap=eur("50000")).cumulative_limit == eur("20000")
    empty = limit(monthly_sales=eur("0"))
    assert amounts(empty) == (eur("0"), eur("0"))
    assert codes(empty)[-1] == "no_sales"
    assert limit(monthly_sales=eur("-50")).cumulative_limit == eur("0")


def test_the_decision_is_json() -> None:
    stored = json.loads(json.dumps(limit(proven_seller=True).to_dict()))
    assert stored["cumulative_limit"] == {"amount": "24000.00", "currency": "EUR"}
    assert stored["factors"]["proven_seller_factor"] == "1.20"
    assert stored["reasons"][-1] == {"code": "proven_seller", "params": {"percent": "20"},
                                     "message": "As a proven seller, the limit is raised by {percent} %."}


@pytest.mark.parametrize(("changes", "field"), [
    ({"product": "payday_loan"}, "product"),
    ({"grade": "F"}, "grade"),
    ({"days_past_due": -1}, "days_past_due"),
    ({"on_time_repaid_loans": -1}, "on_time_repaid_loans"),
    ({"on_time_repaid_amount": Money("10", "USD")}, "on_time_repaid_amount"),
    ({"exposure_cap": eur("-1")}, "exposure_cap"),
])
def test_inputs_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(LimitInputInvalid) as raised:
        limit(**changes)
    assert raised.value.field == field


# ---------------------------------------------------------------- checking a request


def test_a_request_within_limits_to_an_approved_supplier_passes() -> None:
    assert check_request(limit(), eur("5000"), eur("10000"), "supplier-1", {"supplier-1"}) == []


def test_a_request_above_the_per_transaction_limit() -> None:
    [breach] = check_request(limit(), eur("0"), eur("10000.01"), "supplier-1", {"supplier-1"})
    assert breach.code == "per_transaction_limit_exceeded"
    assert (breach.limit, breach.excess) == (eur("10000"), eur("0.01"))
    assert breach.describe("en") == \
        "The amount 10000.01 EUR is above the per-transaction limit of 10000.00 EUR."


def test_a_request_above_the_cumulative_limit() -> None:
    [breach] = check_request(limit(), eur("15000"), eur("6000"), "supplier-1", {"supplier-1"})
    assert breach.code == "cumulative_limit_exceeded"
    assert (breach.limit, breach.excess) == (eur("20000"), eur("1000"))
    assert breach.describe("en") == ("With 15000.00 EUR outstanding, 6000.00 EUR more is above the total "
                                     "limit of 20000.00 EUR.")


def test_use_of_funds_pays_approved_suppliers_only_where_the_product_says_so() -> None:
    [breach] = check_request(limit(), eur("0"), eur("100"), "seller-own-account", {"supplier-1"})
    assert breach.code == "payee_not_allowed"
    assert breach.to_dict() == {"code": "payee_not_allowed", "params": {"payee": "seller-own-account"},
                                "limit": None, "excess": None,
                                "message": "{payee} is not an approved supplier: this financing pays "
                                           "approved suppliers only."}
    assert [b.code for b in check_request(limit(), eur("0"), eur("100"), "supplier-1", None)] == [
        "payee_not_allowed"]
    receivables = limit(product="receivables_financing")
    assert check_request(receivables, eur("0"), eur("100"), "seller-own-account", set()) == []


def test_every_breach_is_reported_at_once() -> None:
    breaches = check_request(limit(), eur("19000"), eur("12000"), "elsewhere", {"supplier-1"})
    assert [breach.code for breach in breaches] == ["per_transaction_limit_exceeded",
                                                    "cumulative_limit_exceeded", "payee_not_allowed"]


@pytest.mark.parametrize(("outstanding", "requested", "field"), [
    (Money("0", "USD"), eur("10"), "outstanding"),
    (eur("0"), Money("10", "USD"), "requested_amount"),
    (eur("0"), eur("0"), "requested_amount"),
    (eur("-1"), eur("10"), "outstanding"),
])
def test_request_inputs_are_checked(outstanding: Money, requested: Money, field: str) -> None:
    with pytest.raises(LimitInputInvalid) as raised:
        check_request(limit(), outstanding, requested, "supplier-1", {"supplier-1"})
    assert raised.value.field == field


# ---------------------------------------------------------------- properties

limit_inputs = st.builds(
    LimitInputs,
    product=st.sampled_from(["order_financing", "receivables_financing", "inventory_financing",
                             "revolving_credit_line"]),
    monthly_sales=st.decimals(min_value=-1000, max_value=10_000_000, places=2).map(lambda a: Money(a, "EUR")),
    grade=st.sampled_from(["A", "B", "C", "D", "E"]),
    on_time_repaid_loans=st.integers(min_value=0, max_value=100),
    on_time_repaid_amount=st.none() | st.decimals(min_value=0, max_value=100_000_000, places=2).map(
        lambda a: Money(a, "EUR")),
    days_past_due=st.integers(min_value=0, max_value=365),
    proven_seller=st.booleans(),
    exposure_cap=st.none() | st.decimals(min_value=0, max_value=10_000_000, places=2).map(
        lambda a: Money(a, "EUR")),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(inputs=limit_inputs)
def test_a_limit_is_never_negative_and_a_transaction_never_exceeds_the_total(inputs: LimitInputs) -> None:
    decision = compute_limit(inputs)
    assert not decision.cumulative_limit.is_negative()
    assert not decision.per_transaction_limit.is_negative()
    assert decision.per_transaction_limit <= decision.cumulative_limit
    assert decision.cumulative_limit.amount == decision.cumulative_limit.amount.to_integral_value()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(inputs=limit_inputs, more_days=st.integers(min_value=0, max_value=200))
def test_more_days_past_due_never_raise_the_limit(inputs: LimitInputs, more_days: int) -> None:
    later = dataclasses.replace(inputs, days_past_due=inputs.days_past_due + more_days)
    assert compute_limit(later).cumulative_limit <= compute_limit(inputs).cumulative_limit
    assert compute_limit(later).per_transaction_limit <= compute_limit(inputs).per_transaction_limit


@settings(max_examples=100, deadline=None, derandomize=True)
@given(inputs=limit_inputs, more_loans=st.integers(min_value=0, max_value=20))
def test_more_on_time_loans_never_lower_the_limit(inputs: LimitInputs, more_loans: int) -> None:
    later = dataclasses.replace(inputs, on_time_repaid_loans=inputs.on_time_repaid_loans + more_loans)
    assert compute_limit(later).cumulative_limit >= compute_limit(inputs).cumulative_limit


def test_delinquency_factor_bands() -> None:
    assert [delinquency_factor(days) for days in (0, 1, 7, 8, 30, 31, 60, 61)] == [
        Decimal("1.00"), Decimal("0.90"), Decimal("0.90"), Decimal("0.60"), Decimal("0.60"), Decimal("0.30"),
        Decimal("0.30"), Decimal(0)]
