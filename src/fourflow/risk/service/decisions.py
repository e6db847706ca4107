"""The decision service (F10-F15): gather what a credit decision depends on, run it, store it
with its inputs and versions, and replay stored decisions to the same result.

Used by the API (`POST /api/v1/risk/decisions`), the CLI (`fourflow risk decide`) and, later,
applications. The decision itself is ``fourflow.risk.decision.evaluate``: pure, so a replay is
the same function on the same stored inputs.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import NotFound, ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.risk import decision as engine
from fourflow.risk import rules
from fourflow.risk.models import RiskDecision
from fourflow.risk.repository import decisions as repository
from fourflow.risk.service import decision_inputs, models, rule_sets
from fourflow.tradedata.service import rates

# The financing products a decision is asked for, with their names (the lending domain's contracts
# and the consoles use these).
PRODUCT_LABELS = {
    "order_financing": N_("Order financing"),
    "receivables_financing": N_("Receivables financing"),
    "inventory_financing": N_("Inventory financing"),
    "revolving_credit_line": N_("Revolving credit line"),
}
PRODUCTS = tuple(PRODUCT_LABELS)


class ProductUnknown(ValidationFailed):
    code = "product_unknown"
    message = N_("{product} is not a financing product; choose one of: {products}.")


class AmountInvalid(ValidationFailed):
    code = "amount_invalid"
    message = N_("The amount must be greater than zero.")


class DecisionNotFound(NotFound):
    code = "decision_not_found"
    message = N_("No such decision.")


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    seller_organisation_id: uuid.UUID
    product: str
    amount: Money
    payee: str | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    decision_id: uuid.UUID
    identical: bool
    differences: list[str]


def decide(session: Session, context: audit.AuditContext, request: DecisionRequest, *,
           requested_by_user_id: uuid.UUID | None) -> RiskDecision:
    """Decide, store the decision with everything it used, and audit it."""
    if request.product not in PRODUCTS:
        raise ProductUnknown(field="product", product=request.product, products=", ".join(PRODUCTS))
    if request.amount.amount <= 0:
        raise AmountInvalid(field="amount")
    now = get_clock().now()
    read = decision_inputs.read(session, request.seller_organisation_id, now)
    facts, vector = read.facts, read.features
    hard_lines, policy, scorer = read.engines.hard_lines, read.engines.policy, read.engines.scorer
    # The features are in USD; the limit and the policy's sales checks are in the request's currency.
    fx = rates.reference_rate(session, "USD", request.amount.currency, now.date())
    inputs = {
        "fx": {"base": fx.base, "quote": fx.quote, "rate": format(fx.rate, "f"),
               "rate_date": fx.rate_date.isoformat(), "source": fx.source},
        "request": {"seller_organisation_id": str(request.seller_organisation_id), "product": request.product,
                    "amount": format(request.amount.amount, "f"), "currency": request.amount.currency,
                    "payee": request.payee, "disbursement_on": now.date().isoformat()},
        "seller": facts.seller, "features": vector.values, "graph": facts.graph, "history": facts.history,
        "velocity": facts.velocity,
        "feature_snapshot": {"as_of": vector.as_of.isoformat(), "missing": vector.missing},
    }
    versions = engine.Versions(hard_lines=hard_lines.version, policy=policy.version, model=scorer.version,
                               features=vector.version)
    result = engine.evaluate(inputs, engine.Engines(hard_lines.compiled, policy.compiled, scorer))
    stored = RiskDecision(
        id=uuid.uuid4(), seller_organisation_id=request.seller_organisation_id, product=request.product,
        requested_amount=request.amount.amount, currency=request.amount.currency, outcome=result.outcome,
        grade=result.grade, score=result.score, probability_of_default=result.probability_of_default,
        limit_amount=None if result.limit is None else result.limit.cumulative_limit.amount,
        annual_rate=None if result.price is None else result.price.annual_rate, inputs=inputs,
        versions=versions.as_dict(), outputs=result.outputs,
        reasons=[reason.as_dict() for reason in result.reasons],
        requested_by_user_id=requested_by_user_id, decided_at=now)
    repository.add(session, stored)
    audit.record(session, context, "risk:decision:made", subject_type="risk_decision", subject_id=stored.id,
                 after={"seller": str(request.seller_organisation_id), "product": request.product,
                        "amount": str(request.amount), "outcome": result.outcome, "grade": result.grade})
    return stored


def replay(session: Session, decision_id: uuid.UUID) -> Replay:
    """Run a stored decision again on its stored inputs with the versions it names."""
    stored = get(session, decision_id)
    names = stored.versions["rule_sets"]
    hard_lines = rule_sets.compiled_version(session, rules.HARD_LINES, int(names[rules.HARD_LINES]))
    policy = rule_sets.compiled_version(session, rules.POLICY, int(names[rules.POLICY]))
    scorer = models.scorer_version(session, stored.versions["model"])
    result = engine.evaluate(stored.inputs, engine.Engines(hard_lines, policy, scorer))
    replayed = _summary(result.outcome, result.grade, result.score, result.probability_of_default,
                        result.outputs, [reason.as_dict() for reason in result.reasons])
    original = _summary(stored.outcome, stored.grade, stored.score, stored.probability_of_default,
                        stored.outputs, stored.reasons)
    differences = [key for key in original if _json(original[key]) != _json(replayed[key])]
    return Replay(stored.id, not differences, differences)


def get(session: Session, decision_id: uuid.UUID,
        seller_organisation_id: uuid.UUID | None = None) -> RiskDecision:
    """A stored decision; ``seller_organisation_id`` limits the search to one seller's."""
    stored = repository.get(session, decision_id, seller_organisation_id)
    if stored is None:
        raise DecisionNotFound()
    return stored


def latest_of_seller(session: Session, seller_organisation_id: uuid.UUID) -> RiskDecision | None:
    """The seller's newest credit decision, if any."""
    newest = repository.of_seller(session, seller_organisation_id, 1)
    return newest[0] if newest else None


# The stored probability's precision (RiskDecision.probability_of_default, NUMERIC(10, 6)): a replay
# compares the recomputed probability with the stored one at the precision the column keeps.
STORED_PROBABILITY = Decimal(1).scaleb(-6)


def _summary(outcome: str, grade: str | None, score: int | None, probability: Decimal | None,
             outputs: dict[str, Any], reasons: list[dict[str, Any]]) -> dict[str, Any]:
    stored_probability = (None if probability is None  # PostgreSQL rounds half away from zero
                          else Decimal(probability).quantize(STORED_PROBABILITY, ROUND_HALF_UP))
    return {"outcome": outcome, "grade": grade, "score": score,
            "probability_of_default": None if stored_probability is None else format(stored_probability, "f"),
            "outputs": outputs, "reasons": reasons}


def _json(value: Any) -> Any:
    """Compare as stored: JSON turns tuples into lists and keeps Decimal as text."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))
