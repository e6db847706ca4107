"""Decisions end to end on a simulated world: a scorecard trained on its outcomes (time split),
decisions stored with inputs and versions and replayed to the same result, a new rule-set
version changing new decisions only, and bad input refused with nothing stored."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.money import Money
from fourflow.risk import rules
from fourflow.risk.models import RiskAlert
from fourflow.risk.service import decisions, graph, models, rule_sets, scoring, training
from fourflow.risk.service.sellers import SellerUnknown
from fourflow.risk.service.setup import world_defaulted_on
from fourflow.tradedata.service import rates
from fourflow.tradedata.simulation.loader import load_world
from tests.helpers import count, organisation_id

SECRET = "test-secret-for-personal-data-0123456789"
END = date(2026, 10, 1)
SELLERS, MONTHS, SEED = 20, 14, 11
EXPECTED_APPROVED = ["bright-toys", "evergreen-outdoor", "great-wall-toys", "north-star-pets",
                     "silkroad-home"]


@pytest.fixture
def decided_on_a_fixed_day() -> Iterator[FrozenClock]:
    """The expected outcomes were read on this day: a decision's features are as of its day, and
    the world's data (ending with September) ages as days pass."""
    clock = FrozenClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


def test_decisions_on_a_simulated_world(demo: Session, decided_on_a_fixed_day: FrozenClock) -> None:
    truth = load_world(demo, sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END, secret=SECRET)
    ids = {slug: uuid.UUID(organisation_id(demo, slug)) for slug in truth.sellers}
    defaulted_on = world_defaulted_on(demo, truth)
    context = AuditContext.system()
    rule_sets.install_defaults(demo)
    with pytest.raises(models.NoActiveCreditModel):
        decisions.decide(demo, context, decisions.DecisionRequest(
            ids[truth.sellers[0]], "receivables_financing", Money(Decimal("5000"), "USD")),
            requested_by_user_id=None)

    model = training.train_on_outcomes(
        demo, context, sellers=list(ids.values()), defaulted_on=defaulted_on, version="pd-test-1",
        window=training.TrainingWindow(first_as_of=date(2025, 11, 1), test_from=date(2026, 6, 1),
                                       last_as_of=date(2026, 10, 1)))
    card = model.card
    assert (model.status, card["training_from"], card["test_from"]) == ("active", "2025-11-01", "2026-06-01")
    assert card["bad_rows"] > 10
    assert 0.5 <= card["auc"] <= 1

    graph.raise_related_party_alerts(demo, graph.detect_related_party_risk(demo, secret=SECRET))
    one_thousand = Money(Decimal("1000.00"), "USD")
    decided = {slug: decisions.decide(demo, context, decisions.DecisionRequest(
        ids[slug], "receivables_financing", one_thousand), requested_by_user_id=None)
        for slug in truth.sellers}
    # The planted fraud rings are declined by the hard lines, with the reason.
    in_rings = {slug for ring in truth.fraud_rings for slug in ring.sellers}
    assert {slug for slug in in_rings if decided[slug].outcome == "decline"
            and "fraud_ring" in [reason["code"] for reason in decided[slug].reasons]} == in_rings
    # Sellers about to default, and those whose sales collapsed, get the worst grade.
    doomed = {slug for slug, _month in truth.defaults} | {slug for slug, _month in truth.sales_collapse}
    assert {slug for slug in doomed if decided[slug].grade == "E"} == doomed
    assert {slug: decided[slug].outcome for slug in doomed} == dict.fromkeys(doomed, "decline")
    approved = sorted(slug for slug, made in decided.items() if made.outcome == "approve")
    assert approved == EXPECTED_APPROVED
    first = decided[approved[0]]
    assert first.versions["rule_sets"] == {"hard_lines": 1, "policy": 1}
    assert first.versions["model"] == "pd-test-1"
    assert set(first.inputs) >= {"request", "seller", "features", "graph", "history"}
    assert first.outputs["price"]["annual_percentage_rate"] > "0"
    assert all(decisions.replay(demo, made.id).identical for made in decided.values())

    # A new hard-lines version that watches every seller with under 36 months of history.
    stricter = copy.deepcopy(rules.default_rule_set(rules.HARD_LINES).document)
    table = next(node for node in stricter["nodes"] if node["type"] == "decisionTableNode")
    rule = next(rule for rule in table["content"]["rules"] if rule["_id"] == "hl-history-short")
    rule["in-history"] = "< 36"
    rule_sets.propose(demo, context, rules.HARD_LINES, stricter, note=None, created_by_user_id=None)
    report = rule_sets.backtest(demo, rules.HARD_LINES, 2, last=len(decided))
    # Every decision's hard-line answer changes (ring members' reasons gain the short history);
    # the sellers the rings didn't stop go from pass to observation.
    assert (report.total, report.changed, report.transitions) == (len(decided), len(decided), {
        ("pass", "observation"): len(decided) - len(in_rings)})
    rule_sets.activate(demo, context, rules.HARD_LINES, 2)
    request = decisions.DecisionRequest(ids[approved[0]], "receivables_financing", one_thousand)
    second = decisions.decide(demo, context, request, requested_by_user_id=None)
    assert (second.versions["rule_sets"]["hard_lines"], second.outcome) == (2, "observation")
    assert "history_short" in [reason["code"] for reason in second.reasons]
    # Decisions already taken keep the version they used, and replay with it.
    assert decisions.replay(demo, first.id).identical
    assert decisions.replay(demo, second.id).identical

    before = (count(demo, "risk_decisions"), count(demo, "audit_events"))
    with pytest.raises(decisions.ProductUnknown):
        decisions.decide(demo, context, decisions.DecisionRequest(ids[approved[0]], "payday_loan",
                                                                  one_thousand), requested_by_user_id=None)
    with pytest.raises(SellerUnknown):
        decisions.decide(demo, context, decisions.DecisionRequest(uuid.uuid4(), "receivables_financing",
                                                                  request.amount), requested_by_user_id=None)
    assert (count(demo, "risk_decisions"), count(demo, "audit_events")) == before

    # A request in euros: the USD sales level is converted at the day's ECB reference rate.
    in_euros = decisions.decide(demo, context, decisions.DecisionRequest(
        ids[approved[0]], "receivables_financing", Money(Decimal("1000.00"), "EUR")),
        requested_by_user_id=None)
    rate = rates.reference_rate(demo, "USD", "EUR", date(2026, 11, 25))
    assert in_euros.inputs["fx"] == {"base": "USD", "quote": "EUR", "rate": format(rate.rate, "f"),
                                     "rate_date": rate.rate_date.isoformat(), "source": "ECB"}
    sales_in_usd = Decimal(str(in_euros.inputs["features"]["monthly_sales_level"]))
    assert in_euros.outputs["rule_inputs"]["policy"]["monthly_sales"] == format(
        (sales_in_usd * rate.rate).quantize(Decimal("0.01")), "f")
    assert in_euros.outputs["limit"]["cumulative_limit"]["currency"] == "EUR"
    assert decisions.replay(demo, in_euros.id).identical


def test_a_downgrade_triggers_controls_and_an_alert(demo: Session) -> None:
    truth = load_world(demo, sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END, secret=SECRET)
    ids = {slug: uuid.UUID(organisation_id(demo, slug)) for slug in truth.sellers}
    defaulted_on = world_defaulted_on(demo, truth)
    context = AuditContext.system()
    seller = ids[truth.defaults[0][0]]
    assert scoring.rescore(demo, context, seller) is None  # no model yet: nothing to score with
    training.train_on_outcomes(
        demo, context, sellers=list(ids.values()), defaulted_on=defaulted_on, version="pd-test-2",
        window=training.TrainingWindow(first_as_of=date(2025, 11, 1), test_from=date(2026, 6, 1),
                                       last_as_of=date(2026, 10, 1)))
    first = scoring.rescore(demo, context, seller)
    assert first is not None
    assert (first.grade, first.previous_grade, first.controls) == ("E", None, [])
    again = scoring.rescore(demo, context, seller)
    assert again is not None
    assert (again.previous_grade, again.controls) == ("E", [])  # no change, no controls
    # Had the seller been grade A before, falling to E puts every control in force.
    first.grade = "A"
    again.grade = "A"
    demo.flush()
    fallen = scoring.rescore(demo, context, seller)
    assert fallen is not None
    assert (fallen.previous_grade, fallen.grade, fallen.controls) == (
        "A", "E", ["limit_reduction", "manual_review", "drawdown_hold"])
    assert scoring.controls_in_force(demo, seller) == ["limit_reduction", "manual_review", "drawdown_hold"]
    # The next credit decision reads them and applies them (risk.decision: decision@v3).
    made = decisions.decide(demo, context, decisions.DecisionRequest(
        seller, "receivables_financing", Money(Decimal("100.00"), "USD")), requested_by_user_id=None)
    assert made.inputs["history"]["controls"] == ["limit_reduction", "manual_review", "drawdown_hold"]
    assert made.outputs["controls"] == ["limit_reduction", "manual_review", "drawdown_hold"]
    assert made.versions["decision"] == "decision@v4"
    assert {"manual_review", "drawdown_hold"} <= {reason["code"] for reason in made.reasons}
    assert decisions.replay(demo, made.id).identical
    alert = demo.execute(select(RiskAlert).where(RiskAlert.seller_organisation_id == seller,
                                                 RiskAlert.kind == "downgrade")).scalar_one()
    assert (alert.severity, alert.details["from"], alert.details["to"]) == ("critical", "A", "E")
