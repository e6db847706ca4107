"""The model registry (F11): trained PD scorecards stored in their portable form with their model
card; one is active; decisions name the version they used and replay with it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict, NotFound
from fourflow.core.i18n import N_
from fourflow.risk.decision import Score
from fourflow.risk.models import CreditModel
from fourflow.risk.repository import credit_models as repository
from fourflow.risk.scorecard.model import ScorecardModel

PD_MODEL = "pd_scorecard"
TOP_REASONS = 4
# No borrower is certain to repay or to default: Basel's 0.05 % floor below, and a ceiling short
# of certainty above (a scorecard fitted on few defaults can push its logistic to 0 or 1).
PD_FLOOR = Decimal("0.0005")
PD_CEILING = Decimal("0.9999")


class NoActiveCreditModel(Conflict):
    code = "no_active_credit_model"
    message = N_("No credit model is active yet: load the demo world or train one before deciding.")


class CreditModelNotFound(NotFound):
    code = "credit_model_not_found"
    message = N_("There is no credit model version {version}.")


@dataclass(frozen=True, slots=True)
class ScorecardScorer:
    """A stored scorecard as the decision's ``Scorer``."""

    version: str
    model: ScorecardModel

    def __call__(self, features: Mapping[str, float | None]) -> Score:
        result = self.model.score(features, top_reasons=TOP_REASONS)
        probability = min(max(result.probability_of_default_decimal(), PD_FLOOR), PD_CEILING)
        return Score(score=result.score, probability_of_default=probability,
                     reasons=tuple(reason.as_dict() for reason in result.reasons))


# Parsed models by version: parsing the JSON costs more than scoring.
_scorers: dict[str, ScorecardScorer] = {}
_scorers_lock = threading.Lock()


def active_scorer(session: Session) -> ScorecardScorer:
    stored = repository.active(session, PD_MODEL)
    if stored is None:
        raise NoActiveCreditModel()
    return scorer_of(stored)


def scorer_version(session: Session, version: str) -> ScorecardScorer:
    cached = _scorers.get(version)
    if cached is not None:
        return cached
    stored = repository.by_version(session, PD_MODEL, version)
    if stored is None:
        raise CreditModelNotFound(version=version)
    return scorer_of(stored)


def register(session: Session, context: audit.AuditContext, model: ScorecardModel, card: dict[str, Any], *,
             version: str, activate: bool = True) -> CreditModel:
    """Store a trained model with its card; ``activate`` makes new decisions use it."""
    now = get_clock().now()
    if activate:
        repository.retire_active(session, PD_MODEL)
    stored = CreditModel(id=uuid.uuid4(), name=PD_MODEL, version=version, scorecard=model.to_dict(),
                         card=card, status="active" if activate else "retired", created_at=now,
                         activated_at=now if activate else None)
    repository.add(session, stored)
    audit.record(session, context, "risk:model:registered", subject_type="risk_model", subject_id=stored.id,
                 after={"version": version, "active": activate, "fingerprint": model.fingerprint(),
                        "auc": card.get("auc"), "ks": card.get("ks")})
    return stored


def active_model(session: Session) -> CreditModel | None:
    return repository.active(session, PD_MODEL)


def list_versions(session: Session) -> list[CreditModel]:
    """The registry: every stored version of the PD model, newest first."""
    return repository.versions(session, PD_MODEL)


def get_version(session: Session, version: str) -> CreditModel:
    stored = repository.by_version(session, PD_MODEL, version)
    if stored is None:
        raise CreditModelNotFound(version=version)
    return stored


def scorer_of(stored: CreditModel) -> ScorecardScorer:
    """The stored model as a scorer (parsed once per process and version)."""
    cached = _scorers.get(stored.version)
    if cached is None:
        with _scorers_lock:
            cached = _scorers.get(stored.version)
            if cached is None:
                cached = _scorers[stored.version] = ScorecardScorer(
                    stored.version, ScorecardModel.from_dict(stored.scorecard))
    return cached
