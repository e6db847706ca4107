"""The financing products as configuration, their planned schedules and fees, and the API that
lists them in the caller's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.money import Money
from fourflow.lending import products, schedules
from fourflow.lending.applications import service
from fourflow.risk import limits
from fourflow.risk.service.decisions import PRODUCTS
from tests.helpers import choose_language
from tests.lending.applications.conftest import signed_in

START = date(2026, 10, 15)
RATE = Decimal("0.117983")


def test_the_four_products_and_their_terms() -> None:
    assert tuple(products.CATALOGUE) == PRODUCTS
    assert products.PRODUCTS_VERSION == "products@v1"
    terms = {code: (product.advance_rate, product.minimum_tenor_days, product.default_tenor_days,
                    product.maximum_tenor_days, product.origination_fee_rate,
                    product.repayment.method.value, product.repayment.period_days,
                    product.repayment.remittance_rate, product.underlying.value, product.use_of_funds.value)
             for code, product in products.CATALOGUE.items()}
    assert terms == {
        "order_financing": (Decimal("0.80"), 30, 90, 120, Decimal("0.010"), "bullet", None, None,
                            "purchase_orders", "approved_suppliers"),
        "receivables_financing": (Decimal("0.90"), 30, 90, 180, Decimal("0.005"), "payout_sweep", 30,
                                  Decimal("0.25"), "expected_payouts", "any_business_purpose"),
        "inventory_financing": (Decimal("0.60"), 60, 120, 180, Decimal("0.010"), "equal_instalments", 30,
                                None, "pledged_stock", "approved_suppliers"),
        "revolving_credit_line": (Decimal("1.00"), 30, 180, 360, Decimal("0.010"), "equal_instalments", 30,
                                  None, "none", "any_business_purpose"),
    }
    # The use-of-funds restriction agrees with the one the risk engine's limits enforce.
    assert {code: product.use_of_funds is products.UseOfFunds.APPROVED_SUPPLIERS
            for code, product in products.CATALOGUE.items()} == {
        code: terms.use_of_funds_restricted for code, terms in limits.PRODUCT_LIMIT_TERMS.items()}


def test_schedules_and_fees_of_each_repayment_method() -> None:
    principal = Money(Decimal("5000.00"), "USD")
    # Bullet: 5000 × 0.117983 × 90/365 = 145.4585… → 145.46, all at maturity.
    bullet = service.offer_schedule(products.CATALOGUE["order_financing"], principal, RATE, START, 90)
    assert _rows(bullet) == [(date(2027, 1, 13), "5000.00", "145.46")]
    assert str(service.origination_fee(products.CATALOGUE["order_financing"], principal)) == "50.00 USD"
    # Equal instalments every 30 days; a 100-day tenor ends with a 10-day period.
    equal = service.offer_schedule(products.CATALOGUE["inventory_financing"], principal, RATE, START, 100)
    assert _rows(equal) == [
        (date(2026, 11, 14), "1250.00", "48.49"), (date(2026, 12, 14), "1250.00", "36.36"),
        (date(2027, 1, 13), "1250.00", "24.24"), (date(2027, 1, 23), "1250.00", "4.04")]
    # The sweep plans its minimum: equal principal every 30 days up to the tenor.
    sweep = service.offer_schedule(products.CATALOGUE["receivables_financing"], principal, RATE, START, 90)
    assert sweep.kind.value == "payout_sweep"
    assert _rows(sweep) == [
        (date(2026, 11, 14), "1666.66", "48.49"), (date(2026, 12, 14), "1666.66", "32.32"),
        (date(2027, 1, 13), "1666.68", "16.16")]
    assert str(service.origination_fee(products.CATALOGUE["receivables_financing"], principal)) == "25.00 USD"


def test_the_products_api_in_both_languages(client: TestClient, demo: Session) -> None:
    headers = signed_in(client, "owner@lumen.demo")
    listed = client.get("/api/v1/lending/products", headers=headers)
    assert listed.status_code == 200
    assert [product["code"] for product in listed.json()] == list(PRODUCTS)
    assert listed.json()[1] == {
        "code": "receivables_financing", "name": "Receivables financing", "version": "products@v1",
        "advance_rate": "0.90", "minimum_tenor_days": 30, "maximum_tenor_days": 180,
        "default_tenor_days": 90,
        "origination_fee_rate": "0.005",
        "repayment": {"method": "payout_sweep", "name": "A share of every marketplace payout",
                      "period_days": 30, "remittance_rate": "0.25"},
        "underlying": "expected_payouts", "underlying_text": "Expected marketplace payouts",
        "use_of_funds": "any_business_purpose", "use_of_funds_text": "Any business purpose",
        "currencies": ["USD", "EUR", "GBP"]}
    choose_language(client, "zh_Hans", headers["X-CSRF-Token"])
    chinese = client.get("/api/v1/lending/products", headers=headers)
    assert [(product["name"], product["repayment"]["name"], product["use_of_funds_text"])
            for product in chinese.json()] == [
        ("订单融资", "到期一次还本付息", "仅支付给您已核准的供应商"),
        ("应收账款融资", "按每笔平台回款的固定比例还款", "任何经营用途"),
        ("存货融资", "等额本金分期", "仅支付给您已核准的供应商"),
        ("循环授信", "等额本金分期", "任何经营用途")]


def _rows(schedule: schedules.Schedule) -> list[tuple[date, str, str]]:
    return [(row.due_on, str(row.principal.amount), str(row.interest.amount)) for row in schedule.instalments]
