"""Credit decisions since decision@v3: the controls a downgrade puts in force (F13) act on them —
the limit is cut to half, and manual review or a drawdown hold sends the request to a risk officer
— and a request in another currency than USD gets its limit from sales converted at the stored
reference rate."""

from __future__ import annotations

from decimal import Decimal

from fourflow.core.i18n import translate
from fourflow.core.money import Money
from fourflow.risk import decision
from tests.risk.test_fraud import ENGINES, QUIET, _inputs

ALL_CONTROLS = ["limit_reduction", "manual_review", "drawdown_hold"]


def _decided(controls: list[str] | None) -> decision.DecisionResult:
    inputs = _inputs(QUIET)
    if controls is not None:
        inputs["history"]["controls"] = controls
    return decision.evaluate(inputs, ENGINES)


def test_without_controls_the_request_is_approved_within_the_full_limit() -> None:
    free = _decided([])
    assert free.outcome == "approve"
    assert free.outputs["controls"] == []
    assert free.limit is not None
    # Receivables: 20,000.00 monthly sales x 1.5 sales multiple x 150 % for grade A = 45,000;
    # one request may take 50 % of it.
    assert (free.limit.cumulative_limit, free.limit.per_transaction_limit) == (
        Money(Decimal("45000"), "USD"), Money(Decimal("22500"), "USD"))


def test_every_control_cuts_the_limit_and_refers_the_request_with_the_reasons() -> None:
    held = _decided(ALL_CONTROLS)
    assert held.outcome == "refer"
    assert held.outputs["controls"] == ALL_CONTROLS
    assert held.limit is not None
    assert (held.limit.cumulative_limit, held.limit.per_transaction_limit) == (
        Money(Decimal("22500"), "USD"), Money(Decimal("11250"), "USD"))  # half of each
    assert [(reason.code, reason.audience, reason.params) for reason in held.reasons
            if reason.code in ("manual_review", "drawdown_hold", "downgrade_reduction")] == [
        ("manual_review", "seller", {}), ("drawdown_hold", "seller", {}),
        ("downgrade_reduction", "officer", {"percent": "50"})]
    assert held.reasons[-1].code != "approved"
    reduction = next(reason for reason in held.reasons if reason.code == "downgrade_reduction")
    assert translate(reduction.message, "en", **reduction.params) == (
        "A recent downgrade of the risk grade reduces the limit to 50 %.")
    assert translate(reduction.message, "zh_Hans", **reduction.params) == "近期风险等级下调，额度降至 50 %。"
    hold = next(reason for reason in held.reasons if reason.code == "drawdown_hold")
    assert translate(hold.message, "zh_Hans") == "在风控人员复核您的账户之前，新的提款暂停。"


def test_a_limit_reduction_alone_still_approves_a_request_inside_the_smaller_limit() -> None:
    reduced = _decided(["limit_reduction"])
    assert reduced.outcome == "approve"
    assert reduced.limit is not None
    assert reduced.limit.cumulative_limit == Money(Decimal("22500"), "USD")


def test_decisions_stored_before_the_controls_replay_as_they_were_decided() -> None:
    before = _decided(None)
    assert before.outcome == "approve"
    assert "controls" not in before.outputs
    assert before.outputs == _decided(None).outputs


def test_a_request_in_euros_gets_its_limit_from_the_sales_converted_at_the_stored_rate() -> None:
    inputs = _inputs(QUIET)
    inputs["request"]["currency"] = "EUR"
    inputs["fx"] = {"base": "USD", "quote": "EUR", "rate": "0.9", "rate_date": "2026-10-14", "source": "ECB"}
    in_euros = decision.evaluate(inputs, ENGINES)
    assert in_euros.limit is not None
    # 20,000.00 USD x 0.9 = 18,000.00 EUR of monthly sales; x 1.5 x 150 % = 40,500 EUR.
    assert (in_euros.limit.cumulative_limit, in_euros.limit.per_transaction_limit) == (
        Money(Decimal("40500"), "EUR"), Money(Decimal("20250"), "EUR"))
    assert in_euros.outputs["rule_inputs"]["policy"]["monthly_sales"] == "18000.00"
