"""A credit decision as a pure function of its inputs and the versions it runs (F10-F15).

``evaluate`` takes everything a decision depends on as plain JSON-able data (the request, the
seller's facts, features, graph findings, history) plus the compiled rule sets, the scorecard
and the pricing policy, and returns the decision. The service gathers the inputs from the
database and stores both; replaying a stored decision runs ``evaluate`` again on the stored
inputs with the stored versions and must give the stored outputs.

Order: hard lines and the anti-fraud assessment (a decline stops here) → score and grade →
policy for the product → limit → price. The outcome is the most severe of what each step says:
decline > refer > observation > approve; the fraud assessment's review counts as refer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.risk import fraud, limits, pricing, rules

# v2: the anti-fraud assessment (F16) on the stored velocity figures.
# v3: the controls of a downgrade (F13) apply, and sales are converted to the request's currency
# v4: a limit frozen by a risk officer (post-loan monitoring, F22) declines new financing.
DECISION_VERSION = "decision@v4"
# The controls a downgrade puts in force (risk.service.scoring.CONTROLS) and what they do here: the
# limit is cut, and a person decides while manual review or a drawdown hold stands.
LIMIT_REDUCTION = "limit_reduction"
DOWNGRADE_LIMIT_FACTOR = Decimal("0.5")
REVIEW_CONTROLS = {
    "manual_review": N_("Your risk grade fell recently: a risk officer reviews this request."),
    "drawdown_hold": N_("New drawdowns are on hold until a risk officer has reviewed your account."),
}
# A limit a risk officer froze (risk.service.controls): no new financing while it stands.
LIMIT_FREEZE = "limit_freeze"
LIMIT_FREEZE_MESSAGE = N_("Your credit limit is frozen after a review of your loans: no new financing "
                          "until a risk officer lifts the freeze.")
OUTCOMES = ("approve", "observation", "refer", "decline")
FRAUD_DECISION_OUTCOMES = {"clear": "approve", "review": "refer", "decline": "decline"}

# PD bands of the grades: a grade is the band the 12-month PD falls in (upper bounds, exclusive).
# Small cross-border sellers default far more often than listed companies: the bands are set for
# them (about one in ten defaults within a year in the demo world, as in the market).
GRADE_BANDS: tuple[tuple[str, Decimal], ...] = (
    ("A", Decimal("0.02")), ("B", Decimal("0.05")), ("C", Decimal("0.10")), ("D", Decimal("0.20")))
WORST_GRADE = "E"


@dataclass(frozen=True, slots=True)
class ProductPricingPolicy:
    term_days: int
    instalments: int
    loss_given_default: Decimal
    arrangement_fee_rate: Decimal
    minimum_arrangement_fee: Decimal  # in the loan's currency


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    """The lender's costs and per-product terms; a change is a new version."""

    version: str
    cost_of_funds: Decimal
    capital_ratio: Decimal
    cost_of_capital: Decimal
    operating_cost: Decimal
    margin: Decimal
    products: Mapping[str, ProductPricingPolicy]


PRICING_POLICY = PricingPolicy(
    version="pricing-policy@v1", cost_of_funds=Decimal("0.055"), capital_ratio=Decimal("0.10"),
    cost_of_capital=Decimal("0.15"), operating_cost=Decimal("0.02"), margin=Decimal("0.03"),
    products={
        # term days, instalments, LGD, arrangement fee rate, minimum fee
        "order_financing": ProductPricingPolicy(90, 1, Decimal("0.45"), Decimal("0.01"), Decimal(25)),
        "receivables_financing": ProductPricingPolicy(30, 1, Decimal("0.35"), Decimal("0.005"), Decimal(10)),
        "inventory_financing": ProductPricingPolicy(120, 4, Decimal("0.40"), Decimal("0.01"), Decimal(25)),
        "revolving_credit_line": ProductPricingPolicy(180, 6, Decimal("0.50"), Decimal("0.01"), Decimal(25)),
    })


@dataclass(frozen=True, slots=True)
class Score:
    score: int
    probability_of_default: Decimal
    # Characteristics that cost the most points: {"characteristic", "bin", "points_lost",
    # "seller_message", "officer_message"}.
    reasons: tuple[dict[str, Any], ...]


class Scorer(Protocol):
    @property
    def version(self) -> str: ...

    def __call__(self, features: Mapping[str, float | None]) -> Score: ...


@dataclass(frozen=True, slots=True)
class Versions:
    hard_lines: int
    policy: int
    model: str
    features: str

    def as_dict(self) -> dict[str, Any]:
        return {"rule_sets": {rules.HARD_LINES: self.hard_lines, rules.POLICY: self.policy},
                "model": self.model, "features": self.features, "limits": limits.LIMITS_VERSION,
                "pricing": pricing.PRICING_VERSION, "pricing_policy": PRICING_POLICY.version,
                "fraud": fraud.FRAUD_VERSION, "decision": DECISION_VERSION}


@dataclass(frozen=True, slots=True)
class Engines:
    hard_lines: rules.CompiledRuleSet
    policy: rules.CompiledRuleSet
    scorer: Scorer


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str   # msgid
    params: dict[str, str]
    audience: str  # "seller" (may be shown to the applicant) or "officer" (risk staff only)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params, "audience": self.audience}


@dataclass(frozen=True, slots=True)
class DecisionResult:
    outcome: str
    grade: str | None
    score: int | None
    probability_of_default: Decimal | None
    limit: limits.LimitDecision | None
    price: pricing.Price | None
    outputs: dict[str, Any]
    reasons: tuple[Reason, ...]


def grade_for(probability_of_default: Decimal) -> str:
    for grade, upper in GRADE_BANDS:
        if probability_of_default < upper:
            return grade
    return WORST_GRADE


def evaluate(inputs: Mapping[str, Any], engines: Engines) -> DecisionResult:
    """The decision for ``inputs`` (see ``DecisionInputs`` in the service for their shape)."""
    request, seller, features = inputs["request"], inputs["seller"], inputs["features"]
    graph, history = inputs["graph"], inputs["history"]
    currency = request["currency"]
    amount = Money(Decimal(request["amount"]), currency)
    reasons: list[Reason] = []
    outputs: dict[str, Any] = {"rules": {}}
    rule_inputs: dict[str, Any] = {}

    hard_input = rules.HardLinesInput(
        sanctions_hit=seller["sanctions_hit"], country=seller["country"],
        company_status=seller["company_status"], history_months=_whole(features.get("history_months")),
        in_fraud_ring=bool(graph["in_fraud_ring"]), in_circular_trading=bool(graph["in_circular_trading"]),
        region=seller.get("region"))
    rule_inputs[rules.HARD_LINES] = hard_input.to_inputs()
    hard = _run(engines.hard_lines, rule_inputs[rules.HARD_LINES], outputs, rules.HARD_LINES)
    hard_verdict = rules.HardLinesVerdict.from_outcome(hard)
    reasons += [Reason(code, rules.reason_message(code), {}, "seller") for code in hard_verdict.reasons]
    outcome: str = "approve" if hard_verdict.outcome == "pass" else hard_verdict.outcome
    assessment = _assess_fraud(inputs)
    if assessment is not None:
        outputs["fraud"] = assessment.to_dict()
        reasons += [Reason(signal.code, signal.message, dict(signal.params), "officer")
                    for signal in assessment.signals]
        if assessment.outcome != "clear":
            reasons.append(Reason("fraud_" + assessment.outcome, fraud.SELLER_MESSAGES[assessment.outcome],
                                  {}, "seller"))
        outcome = _worse(outcome, FRAUD_DECISION_OUTCOMES[assessment.outcome])
    if outcome == "decline":
        return DecisionResult("decline", None, None, None, None, None,
                              _plain(outputs | {"rule_inputs": rule_inputs}), tuple(reasons))

    scored = engines.scorer(features)
    grade = grade_for(scored.probability_of_default)
    outputs["score"] = {"score": scored.score, "probability_of_default": str(scored.probability_of_default),
                        "grade": grade, "reasons": list(scored.reasons)}
    for reason in scored.reasons:
        params = {key: str(value) for key, value in dict(reason.get("params") or {}).items()}
        reasons.append(Reason("score_" + str(reason["characteristic"]), str(reason["seller_message"]),
                              params, "seller"))
        reasons.append(Reason("score_" + str(reason["characteristic"]), str(reason["officer_message"]),
                              params, "officer"))

    monthly_sales = _sales_in_request_currency(features.get("monthly_sales_level"), inputs.get("fx"))
    policy_input = rules.PolicyInput(
        product=request["product"], grade=grade, history_months=_whole(features.get("history_months")),
        monthly_sales=monthly_sales, requested_amount=amount.amount,
        has_stock=history.get("has_stock"), anomaly_flagged=bool(history.get("anomaly_flagged")),
        bank_account_age_days=history.get("bank_account_age_days"),
        new_device=bool(history.get("new_device")))
    rule_inputs[rules.POLICY] = policy_input.to_inputs()
    policy = rules.PolicyVerdict.from_outcome(
        _run(engines.policy, rule_inputs[rules.POLICY], outputs, rules.POLICY))
    reasons += [Reason(code, rules.reason_message(code), {}, "seller") for code in policy.reasons]
    if not policy.eligible:
        outcome = _worse(outcome, "decline")
    elif policy.manual_review:
        outcome = _worse(outcome, "refer")

    limit = limits.compute_limit(limits.LimitInputs(
        product=request["product"], monthly_sales=Money(monthly_sales, currency), grade=grade,
        on_time_repaid_loans=int(history.get("on_time_repaid_loans", 0)),
        days_past_due=int(history.get("days_past_due", 0)), proven_seller=bool(seller.get("proven_seller"))))
    # Controls a downgrade put in force (F13); None in decisions stored before decision@v3.
    controls: list[str] | None = history.get("controls")
    if controls is not None:
        outputs["controls"] = list(controls)
        if LIMIT_REDUCTION in controls:
            limit = limits.reduced_for_downgrade(limit, DOWNGRADE_LIMIT_FACTOR)
        for control, message in REVIEW_CONTROLS.items():
            if control in controls:
                reasons.append(Reason(control, message, {}, "seller"))
                outcome = _worse(outcome, "refer")
        if LIMIT_FREEZE in controls:
            reasons.append(Reason(LIMIT_FREEZE, LIMIT_FREEZE_MESSAGE, {}, "seller"))
            outcome = _worse(outcome, "decline")
    reasons += [Reason(reason.code, reason.message, dict(reason.params), "officer")
                for reason in limit.reasons]
    outstanding = Money(Decimal(history.get("outstanding", "0")), currency)
    breaches = limits.check_request(limit, outstanding, amount, request.get("payee") or "",
                                    tuple(history.get("allowed_payees", ())))
    for breach in breaches:
        reasons.append(Reason(breach.code, breach.message, dict(breach.params), "seller"))
    if breaches:
        outcome = _worse(outcome, "decline" if limit.cumulative_limit.amount <= 0 else "refer")
    outputs["limit"] = limit.to_dict()
    outputs["breaches"] = [breach.to_dict() for breach in breaches]

    price = None
    if outcome != "decline":
        terms = PRICING_POLICY.products[request["product"]]
        price = pricing.price_loan(pricing.PricingInputs(
            principal=amount, disbursement_date=date.fromisoformat(request["disbursement_on"]),
            term_days=terms.term_days, probability_of_default=scored.probability_of_default,
            loss_given_default=terms.loss_given_default, cost_of_funds=PRICING_POLICY.cost_of_funds,
            capital_ratio=PRICING_POLICY.capital_ratio, cost_of_capital=PRICING_POLICY.cost_of_capital,
            operating_cost=PRICING_POLICY.operating_cost, margin=PRICING_POLICY.margin,
            arrangement_fee_rate=terms.arrangement_fee_rate,
            minimum_arrangement_fee=Money(terms.minimum_arrangement_fee, currency),
            instalments=terms.instalments))
        outputs["price"] = price.to_dict()
    outputs["rule_inputs"] = rule_inputs
    if outcome == "approve":
        reasons.append(Reason("approved", N_("Approved within your limit."), {}, "seller"))
    return DecisionResult(outcome, grade, scored.score, scored.probability_of_default, limit, price,
                          _plain(outputs), tuple(reasons))


def _sales_in_request_currency(monthly_sales_level: float | None, fx: Mapping[str, str] | None) -> Decimal:
    """The features' sales level is in USD (features@v1); a decision since decision@v3 carries the
    USD→request-currency reference rate (``inputs["fx"]``) and converts it. Earlier decisions have
    no rate and used the USD figure as it was, so they replay as decided."""
    level = Decimal(str(monthly_sales_level or 0))
    if fx is not None:
        level *= Decimal(fx["rate"])
    return level.quantize(Decimal("0.01"))


def _assess_fraud(inputs: Mapping[str, Any]) -> fraud.FraudAssessment | None:
    """The anti-fraud assessment; None for decisions stored before it existed (no velocity among
    their inputs), so they replay as they were decided."""
    velocity = inputs.get("velocity")
    if velocity is None:
        return None
    graph, history = inputs["graph"], inputs["history"]
    return fraud.assess_fraud(
        fraud.Velocity.from_dict(velocity), in_fraud_ring=bool(graph["in_fraud_ring"]),
        in_circular_trading=bool(graph["in_circular_trading"]), ring_size=int(graph.get("ring_size") or 0),
        anomaly_flagged=bool(history.get("anomaly_flagged")))


def _run(rule_set: rules.CompiledRuleSet, rule_input: dict[str, Any], outputs: dict[str, Any],
         name: str) -> rules.RuleOutcome:
    result = rule_set.evaluate(rule_input)
    outputs["rules"][name] = {"outputs": result.outputs,
                              "fired": [fired.to_dict() for fired in result.fired]}
    return result


def _worse(current: str, other: str) -> str:
    return current if OUTCOMES.index(current) >= OUTCOMES.index(other) else other


def _whole(value: float | int | None) -> int | None:
    return None if value is None else int(value)


def _plain(value: Any) -> Any:
    """Outputs as stored JSON: Decimal as text, tuples as lists, so a replay compares like with like."""
    convert: Callable[[Any], Any] = _plain
    if isinstance(value, dict):
        return {key: convert(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [convert(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
