"""Upcoming deductions: payouts expected on the marketplace's cadence and the share each loan takes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.insights import service
from fourflow.lending.loans import service as loans
from tests.insights.conftest import disbursed_loan, trade_history
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import accepted_offer, seller_id

D = Decimal


def test_expected_payouts_follow_the_cadence() -> None:
    from fourflow.tradedata.service.insight_inputs import DepositRow
    rows = [DepositRow("amazon.com", "USD", date(2026, 9, 2), D("800")),
            DepositRow("amazon.com", "USD", date(2026, 9, 16), D("900")),
            DepositRow("amazon.com", "USD", date(2026, 9, 30), D("1000")),
            DepositRow("shopify", "USD", date(2026, 9, 30), D("50"))]  # one deposit: no cadence yet
    # Gaps 14 and 14 → every 14 days from 30 Sep: 14 Oct is not after today, so 28 Oct and 11 Nov
    # (25 Nov is past 15 Oct + 30 days); each the mean of 800, 900, 1,000 = 900.00.
    expected = service.expected_payouts(rows, date(2026, 10, 15), 30)
    assert [(p.marketplace, p.expected_on, p.amount.amount, p.cadence_days) for p in expected] == [
        ("amazon.com", date(2026, 10, 28), D("900.00"), 14),
        ("amazon.com", date(2026, 11, 11), D("900.00"), 14)]


def test_a_bullet_loan_takes_whole_payouts(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    loan = disbursed_loan(demo)
    found = service.upcoming_deductions(demo, seller, date(2026, 10, 15))
    # 10,000.00 owed (fee netted from the proceeds): each 900.00 payout goes to the loan in full.
    assert [(row.payout.expected_on, row.deducted.amount, row.to_wallet.amount) for row in found.rows] == [
        (date(2026, 10, 28), D("900.00"), D("0.00")), (date(2026, 11, 11), D("900.00"), D("0.00"))]
    (totals,) = found.totals
    assert (totals.currency, totals.payouts.amount, totals.deducted.amount, totals.to_wallet.amount) == (
        "USD", D("1800.00"), D("1800.00"), D("0.00"))
    assert found.by_loan == {loan.id: loans.balances(demo, loan).total.__class__(D("1800.00"), "USD")}
    assert found.version == "deductions@v1"
    assert found.inputs["loans"][str(loan.id)]["method"] == "bullet"


def test_a_sweep_loan_takes_its_remittance_rate(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    offer = accepted_offer(demo, seller=seller_id(demo), product="receivables_financing", amount="2000.00",
                           tenor_days=90)
    loan = conditions_helpers.disbursed_loan(demo, offer.id, "insights-sweep")
    clock.set(datetime(2026, 10, 15, 12, 0, tzinfo=UTC))
    found = service.upcoming_deductions(demo, seller, date(2026, 10, 15))
    # 25 % of 900.00 = 225.00 from each payout; no minimum falls due before 14 Nov (30 days on).
    assert [(row.deducted.amount, row.to_wallet.amount) for row in found.rows] == [
        (D("225.00"), D("675.00")), (D("225.00"), D("675.00"))]
    assert found.by_loan[loan.id].amount == D("450.00")


def test_no_loans_nothing_deducted(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    found = service.upcoming_deductions(demo, seller, date(2026, 10, 15))
    assert [row.deducted.amount for row in found.rows] == [D("0.00"), D("0.00")]
    assert found.totals[0].to_wallet.amount == D("1800.00")
