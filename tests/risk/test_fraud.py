"""The anti-fraud assessment (F16) as a pure function: each signal at and past its limit, the
outcome as the most severe signal, and its place in a credit decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from fourflow.risk import decision, fraud, rules

QUIET = fraud.Velocity(
    as_of="2026-10-15T12:00:00+00:00", credit_requests_24h=0, credit_requests_30d=2,
    payout_accounts_added_30d=0, days_since_newest_payout_account=400, new_devices_7d=0, sign_in_ips_24h=1,
    device_payout_gap_minutes=None)


def _assess(velocity: fraud.Velocity = QUIET, *, ring: bool = False, circular: bool = False,
            ring_size: int = 0, anomaly: bool = False) -> fraud.FraudAssessment:
    return fraud.assess_fraud(velocity, in_fraud_ring=ring, in_circular_trading=circular, ring_size=ring_size,
                              anomaly_flagged=anomaly)


def _signals(assessment: fraud.FraudAssessment) -> list[tuple[str, str, dict[str, str]]]:
    return [(signal.code, signal.severity, signal.params) for signal in assessment.signals]


def test_an_ordinary_seller_is_clear_and_the_inputs_are_kept() -> None:
    assessment = _assess()
    assert (assessment.outcome, assessment.signals) == ("clear", ())
    assert assessment.to_dict() == {
        "version": "fraud@v1", "outcome": "clear", "signals": [],
        "inputs": {"velocity": QUIET.to_dict(), "in_fraud_ring": False, "in_circular_trading": False,
                   "ring_size": 0, "anomaly_flagged": False}}
    assert fraud.Velocity.from_dict(QUIET.to_dict()) == QUIET


def test_a_fraud_ring_declines() -> None:
    assessment = _assess(ring=True, ring_size=4)
    assert assessment.outcome == "decline"
    assert _signals(assessment) == [("fraud_ring_member", "decline", {"size": "4"})]
    assert assessment.signals[0].describe("en") == (
        "Member of a related-party network of 4 companies flagged as a fraud ring.")


@pytest.mark.parametrize(("changes", "code"), [
    ({"circular": True}, "fraud_circular_trading"),
    ({"anomaly": True}, "fraud_anomaly_flagged"),
])
def test_circular_trading_and_the_anomaly_flag_go_to_review(changes: dict[str, bool], code: str) -> None:
    assessment = _assess(**changes)
    assert (assessment.outcome, _signals(assessment)) == ("review", [(code, "review", {})])


@pytest.mark.parametrize(("gap_minutes", "outcome", "params"), [
    (None, "clear", None),
    (0, "review", {"hours": "0.0", "limit": "72"}),
    (90, "review", {"hours": "1.5", "limit": "72"}),
    (72 * 60, "review", {"hours": "72.0", "limit": "72"}),
    (72 * 60 + 1, "clear", None),
])
def test_a_new_device_and_a_payout_change_within_72_hours_is_an_account_takeover(
        gap_minutes: int | None, outcome: str, params: dict[str, str] | None) -> None:
    assessment = _assess(replace(QUIET, device_payout_gap_minutes=gap_minutes, new_devices_7d=1,
                                 payout_accounts_added_30d=1, days_since_newest_payout_account=0))
    assert assessment.outcome == outcome
    expected = [] if params is None else [("ato_new_device_and_payout_change", "review", params)]
    assert _signals(assessment) == expected


@pytest.mark.parametrize(("field", "code", "limit"), [
    ("sign_in_ips_24h", "ato_many_sign_in_addresses", 4),
    ("credit_requests_24h", "velocity_credit_requests_24h", 5),
    ("credit_requests_30d", "velocity_credit_requests_30d", 20),
    ("payout_accounts_added_30d", "velocity_payout_accounts_30d", 2),
    ("new_devices_7d", "velocity_new_devices_7d", 3),
])
def test_velocity_at_its_limit_is_clear_and_past_it_goes_to_review(field: str, code: str, limit: int) -> None:
    at_limit = _assess(replace(QUIET, **{field: limit}))
    assert (at_limit.outcome, at_limit.signals) == ("clear", ())
    past = _assess(replace(QUIET, **{field: limit + 1}))
    assert past.outcome == "review"
    assert _signals(past) == [(code, "review", {"count": str(limit + 1), "limit": str(limit)})]


def test_every_signal_is_listed_and_the_most_severe_one_decides() -> None:
    busy = fraud.Velocity(
        as_of="2026-10-15T12:00:00+00:00", credit_requests_24h=9, credit_requests_30d=25,
        payout_accounts_added_30d=3, days_since_newest_payout_account=1, new_devices_7d=4, sign_in_ips_24h=6,
        device_payout_gap_minutes=30)
    assessment = _assess(busy, ring=True, ring_size=3, circular=True, anomaly=True)
    assert assessment.outcome == "decline"
    assert [signal.code for signal in assessment.signals] == [
        "fraud_ring_member", "fraud_circular_trading", "fraud_anomaly_flagged",
        "ato_new_device_and_payout_change", "ato_many_sign_in_addresses", "velocity_credit_requests_24h",
        "velocity_credit_requests_30d", "velocity_payout_accounts_30d", "velocity_new_devices_7d"]
    assert assessment.signals[3].describe("en") == (
        "A new device and a new payout account appeared 0.5 hours apart (at most 72): "
        "the pattern of an account takeover.")
    assert _assess(replace(busy, device_payout_gap_minutes=None), circular=True).outcome == "review"


# --- in the credit decision ---------------------------------------------------------------------

class _FixedScorer:
    """A scorer port that gives every seller the same low PD (grade A), no reasons."""

    version = "fixed-test"

    def __call__(self, features: Mapping[str, float | None]) -> decision.Score:
        return decision.Score(score=700, probability_of_default=Decimal("0.01"), reasons=())


ENGINES = decision.Engines(rules.default_rule_set(rules.HARD_LINES), rules.default_rule_set(rules.POLICY),
                           _FixedScorer())


def _inputs(velocity: fraud.Velocity | None, *, ring: bool = False) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "request": {"seller_organisation_id": "s", "product": "receivables_financing", "amount": "1000",
                    "currency": "USD", "payee": None, "disbursement_on": "2026-10-15"},
        "seller": {"slug": "s", "country": "CN", "company_status": "active", "sanctions_hit": False,
                   "proven_seller": False},
        "features": {"history_months": 24.0, "monthly_sales_level": 20000.0},
        "graph": {"in_fraud_ring": ring, "in_circular_trading": False, "ring_size": 3 if ring else 0},
        "history": {"outstanding": "0", "on_time_repaid_loans": 0, "days_past_due": 0, "has_stock": True,
                    "anomaly_flagged": False, "bank_account_age_days": 400, "new_device": False,
                    "allowed_payees": []}}
    if velocity is not None:
        inputs["velocity"] = velocity.to_dict()
    return inputs


def test_the_decision_carries_the_assessment_and_a_review_refers_it() -> None:
    clear = decision.evaluate(_inputs(QUIET), ENGINES)
    assert clear.outcome == "approve"
    assert clear.outputs["fraud"] == _assess().to_dict()

    busy = decision.evaluate(_inputs(replace(QUIET, credit_requests_24h=6)), ENGINES)
    assert busy.outcome == "refer"
    assert busy.outputs["fraud"]["outcome"] == "review"
    assert [(reason.code, reason.audience, reason.params) for reason in busy.reasons
            if reason.code.startswith(("velocity", "fraud"))] == [
        ("velocity_credit_requests_24h", "officer", {"count": "6", "limit": "5"}),
        ("fraud_review", "seller", {})]
    # The limit and price are still worked out for the officer who reviews it.
    assert busy.price is not None


def test_a_ring_declines_with_the_fraud_reasons_and_old_decisions_stay_as_they_were() -> None:
    declined = decision.evaluate(_inputs(QUIET, ring=True), ENGINES)
    assert (declined.outcome, declined.grade, declined.price) == ("decline", None, None)
    assert [reason.code for reason in declined.reasons] == [
        "fraud_ring", "fraud_ring_member", "fraud_decline"]
    assert declined.outputs["fraud"]["outcome"] == "decline"
    # Decisions stored before the fraud checks have no velocity: no assessment, as decided then.
    before = decision.evaluate(_inputs(None), ENGINES)
    assert before.outcome == "approve"
    assert "fraud" not in before.outputs
