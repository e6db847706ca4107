"""What the risk console shows (F11-F13): every seller's current grade, and one seller's profile —
score history, the reasons behind the score, features, alerts and decisions.

The current score is the active model applied to the seller's newest feature snapshot; the
history is the same model applied to each stored snapshot, so the line shows how the seller
moved rather than how models changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.identity import service as identity
from fourflow.risk.decision import Score, grade_for
from fourflow.risk.models import RiskAlert, RiskDecision
from fourflow.risk.repository import decisions as decision_repository
from fourflow.risk.repository import features as feature_repository
from fourflow.risk.service import features, models
from fourflow.risk.service.sellers import SellerUnknown

HISTORY_SNAPSHOTS = 36


@dataclass(frozen=True, slots=True)
class CurrentScore:
    as_of: date
    score: int
    grade: str
    probability_of_default: Decimal
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class SellerRiskRow:
    seller_id: uuid.UUID
    slug: str
    name: str
    current: CurrentScore | None
    open_alerts: int


@dataclass(frozen=True, slots=True)
class SellerRiskProfile:
    seller_id: uuid.UUID
    slug: str
    name: str
    model_version: str | None
    current: CurrentScore | None
    history: list[CurrentScore]
    snapshot: features.FeatureVector | None
    alerts: list[RiskAlert]
    decisions: list[RiskDecision]


def risk_overview(session: Session) -> list[SellerRiskRow]:
    """Every seller with its current grade, riskiest first (no grade yet: last). Three queries
    whatever the number of sellers."""
    scorer = _scorer(session)
    snapshots = feature_repository.newest_snapshot_per_seller(session, features.FEATURES_VERSION)
    alert_counts = decision_repository.open_alert_counts(session)
    rows = []
    for organisation in identity.organisations_of_kind(session, "seller"):
        snapshot = snapshots.get(organisation.id)
        current = _scored(scorer, snapshot.as_of, snapshot.features.get("values", {})) \
            if scorer and snapshot else None
        rows.append(SellerRiskRow(organisation.id, organisation.slug, organisation.name, current,
                                  alert_counts.get(organisation.id, 0)))
    return sorted(rows, key=lambda row: (row.current is None, -(row.current.probability_of_default
                                                                 if row.current else 0), row.name))


def seller_risk_profile(session: Session, seller_id: uuid.UUID) -> SellerRiskProfile:
    organisation = identity.organisation_by_id(session, seller_id)
    if organisation is None or organisation.kind != "seller":
        raise SellerUnknown(field="seller", seller=str(seller_id))
    scorer = _scorer(session)
    snapshot = features.latest_snapshot(session, seller_id)
    history = [] if scorer is None else [
        _scored(scorer, stored.as_of, stored.features.get("values", {}))
        for stored in feature_repository.snapshot_history(session, seller_id, features.FEATURES_VERSION,
                                                           HISTORY_SNAPSHOTS)]
    current = _scored(scorer, snapshot.as_of, snapshot.values) if scorer and snapshot else None
    return SellerRiskProfile(
        seller_id=organisation.id, slug=organisation.slug, name=organisation.name,
        model_version=scorer.version if scorer else None, current=current, history=history, snapshot=snapshot,
        alerts=decision_repository.open_alerts(session, seller_id),
        decisions=decision_repository.of_seller(session, seller_id, 20))


def _scorer(session: Session) -> models.ScorecardScorer | None:
    active = models.active_model(session)
    return None if active is None else models.scorer_of(active)


def _scored(scorer: models.ScorecardScorer, as_of: date, values: dict[str, float | None]) -> CurrentScore:
    result: Score = scorer(values)
    return CurrentScore(as_of, result.score, grade_for(result.probability_of_default),
                        result.probability_of_default, result.reasons)
