"""Risk API: credit decisions (and their replay), versioned rule sets with diff, back-test and
activation, and the credit-model registry with its drift checks."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.http import database_session
from fourflow.core.i18n import translate
from fourflow.core.money import Money
from fourflow.core.pagination import PageOut, PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.risk.models import CreditModel, RiskDecision
from fourflow.risk.schemas import (
    BacktestOut,
    CreditModelDetailOut,
    CreditModelOut,
    DecisionDetailOut,
    DecisionIn,
    DecisionOut,
    DriftCheckOut,
    ReasonOut,
    ReplayOut,
    RuleChangeOut,
    RuleSetDocumentOut,
    RuleSetIn,
    RuleSetVersionOut,
)
from fourflow.risk.scorecard.reasons import localised_params
from fourflow.risk.service import decisions, models, monitoring, rule_sets
from fourflow.risk.service.scope import decision_subject, seller_in_scope

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Applicant = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reader = Annotated[Principal, Depends(require(Permission.READ_RISK))]
RuleManager = Annotated[Principal, Depends(require(Permission.MANAGE_RISK_RULES))]


# Decisions run in at most this many threads per web process. A decision is ~4 ms of CPU around
# four short round trips: two threads keep the process busy while one waits on PostgreSQL, and
# more only hand the GIL back and forth (bench/decision.py: 8 request threads gave 271-307
# decisions/s, two gave 295-334 on 2 cores). Other routes keep the default thread pool.
DECISION_THREADS = 2


@cache  # made on first use, inside the event loop (a limiter belongs to its loop)
def _decision_threads() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(DECISION_THREADS)


@router.post("/decisions", response_model=DecisionOut, status_code=201)
async def decide(session: Db, principal: Applicant, body: DecisionIn) -> DecisionOut:
    """Decide now: decision, grade, PD, limit, price and reasons. The decision is stored with its
    inputs and the versions of rules, model and policies it used, and can be replayed."""
    def decide_in_thread() -> DecisionOut:
        seller = decision_subject(session, principal, body.seller_id)
        stored = decisions.decide(session, principal.audit_context(), decisions.DecisionRequest(
            seller, body.product, Money(body.amount, body.currency), body.payee),
            requested_by_user_id=principal.user_id)
        return decision_out(stored, staff=principal.can(Permission.READ_RISK))

    return await anyio.to_thread.run_sync(decide_in_thread, limiter=_decision_threads())


@router.get("/decisions/{decision_id}", response_model=DecisionDetailOut | DecisionOut)
def get_decision(session: Db, principal: Applicant, decision_id: uuid.UUID) -> DecisionOut:
    stored = decisions.get(session, decision_id, seller_in_scope(principal))
    if principal.can(Permission.READ_RISK):
        return DecisionDetailOut(**decision_out(stored, staff=True).model_dump(), inputs=stored.inputs,
                                 outputs=stored.outputs)
    return decision_out(stored, staff=False)


@router.post("/decisions/{decision_id}/replay", response_model=ReplayOut)
def replay_decision(session: Db, principal: Reader, decision_id: uuid.UUID) -> ReplayOut:
    """Run the stored decision again on its stored inputs with the versions it used."""
    replayed = decisions.replay(session, decision_id)
    return ReplayOut(decision_id=replayed.decision_id, identical=replayed.identical,
                     differences=replayed.differences)


@router.get("/rule-sets", response_model=list[RuleSetVersionOut])
def list_rule_sets(session: Db, principal: Reader, name: str | None = None) -> list[RuleSetVersionOut]:
    return [RuleSetVersionOut.model_validate(stored) for stored in rule_sets.list_versions(session, name)]


@router.get("/rule-sets/{name}/versions/{version}", response_model=RuleSetDocumentOut)
def get_rule_set(session: Db, principal: Reader, name: str, version: int) -> RuleSetDocumentOut:
    return RuleSetDocumentOut.model_validate(rule_sets.get(session, name, version))


@router.post("/rule-sets/{name}/versions", response_model=RuleSetVersionOut, status_code=201)
def propose_rule_set(session: Db, principal: RuleManager, name: str, body: RuleSetIn) -> RuleSetVersionOut:
    """Store a new draft version after checking that it compiles; nothing is stored otherwise."""
    stored = rule_sets.propose(session, principal.audit_context(), name, body.document, note=body.note,
                               created_by_user_id=principal.user_id)
    return RuleSetVersionOut.model_validate(stored)


@router.get("/rule-sets/{name}/versions/{version}/diff", response_model=list[RuleChangeOut])
def diff_rule_set(session: Db, principal: Reader, name: str, version: int,
                  against: int | None = Query(None, description="Default: the active version")
                  ) -> list[RuleChangeOut]:
    return [RuleChangeOut(kind=change.kind, text=change.describe(), node_id=change.node_id,
                          rule_id=change.rule_id,
                          details={"cells": [cell.to_dict() for cell in change.cells]})
            for change in rule_sets.diff(session, name, version, against)]


@router.post("/rule-sets/{name}/versions/{version}/backtest", response_model=BacktestOut)
def backtest_rule_set(session: Db, principal: Reader, name: str, version: int,
                      last: int = Query(200, ge=1, le=10_000)) -> BacktestOut:
    """What this version would have decided on the last ``last`` decisions, and what changes."""
    report = rule_sets.backtest(session, name, version, last=last)
    return BacktestOut(name=name, version=version, report=report.to_dict())


@router.post("/rule-sets/{name}/versions/{version}/activate", response_model=RuleSetVersionOut)
def activate_rule_set(session: Db, principal: RuleManager, name: str, version: int) -> RuleSetVersionOut:
    """New decisions use this version from now on; decisions already taken keep theirs."""
    activated = rule_sets.activate(session, principal.audit_context(), name, version)
    return RuleSetVersionOut.model_validate(activated)


@router.get("/models", response_model=list[CreditModelOut])
def list_models(session: Db, principal: Reader) -> list[CreditModelOut]:
    """The model registry: every version of the PD scorecard with its card's figures, newest first."""
    return [model_out(stored) for stored in models.list_versions(session)]


@router.get("/models/{version}", response_model=CreditModelDetailOut)
def get_model(session: Db, principal: Reader, version: str, page: int = Query(1, ge=1),
              page_size: int = Query(25, ge=1, le=200)) -> CreditModelDetailOut:
    """A version's model card and its drift checks, newest first."""
    stored = models.get_version(session, version)
    checks = monitoring.drift_checks(session, version, PageRequest(page=page, page_size=page_size))
    return CreditModelDetailOut(**model_out(stored).model_dump(), card=stored.card,
                                drift_checks=PageOut.of(checks.map(DriftCheckOut.model_validate)))


@router.post("/models/drift-checks", response_model=DriftCheckOut, status_code=201)
def run_drift_check(session: Db, principal: RuleManager) -> DriftCheckOut:
    """Check the active model for drift now, on the sellers' newest features of the last 30 days."""
    check = monitoring.check_drift(session, principal.audit_context(), as_of=get_clock().now().date())
    return DriftCheckOut.model_validate(check)


def model_out(stored: CreditModel) -> CreditModelOut:
    """A registry row from the stored card (older cards may lack a figure: None)."""
    card = stored.card
    return CreditModelOut(
        version=stored.version, status=stored.status, training_from=card.get("training_from"),
        training_to=card.get("training_to"), test_from=card.get("test_from"), test_to=card.get("test_to"),
        auc=card.get("auc"), ks=card.get("ks"), gini=card.get("gini"), brier=card.get("brier"),
        psi=card.get("psi"), has_drift_reference=card.get("drift_reference") is not None,
        created_at=stored.created_at, activated_at=stored.activated_at)


def decision_out(stored: RiskDecision, *, staff: bool) -> DecisionOut:
    """A decision as its reader may see it: sellers get the reasons phrased for them."""
    limit: dict[str, Any] = stored.outputs.get("limit") or {}
    price: dict[str, Any] | None = stored.outputs.get("price")
    reasons = [ReasonOut(code=reason["code"], text=_reason_text(reason), audience=reason["audience"])
               for reason in stored.reasons if staff or reason["audience"] == "seller"]
    return DecisionOut(
        id=stored.id, seller_id=stored.seller_organisation_id, product=stored.product,
        amount=stored.requested_amount, currency=stored.currency, outcome=stored.outcome, grade=stored.grade,
        score=stored.score, probability_of_default=stored.probability_of_default,
        per_transaction_limit=_amount(limit.get("per_transaction_limit")),
        cumulative_limit=_amount(limit.get("cumulative_limit")), annual_rate=stored.annual_rate,
        annual_percentage_rate=None if price is None else price["annual_percentage_rate"], price=price,
        reasons=reasons, versions=stored.versions, decided_at=stored.decided_at)


def _reason_text(reason: dict[str, Any]) -> str:
    msgid: str = reason["message"]  # stored msgids are translated when read, in the reader's language
    return translate(msgid, None, **localised_params(reason["params"]))


def _amount(value: Any) -> Any:
    return value.get("amount") if isinstance(value, dict) else value
