"""The dynamic score (F13): when a seller's data lands, its features, score and grade are
recomputed; a downgrade of two grades or more, or into grade E, triggers controls (limit
reduction, manual review, drawdown hold) and an alert, recorded with the reasons."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.risk.decision import GRADE_BANDS, LIMIT_REDUCTION, REVIEW_CONTROLS, WORST_GRADE, grade_for
from fourflow.risk.models import DOWNGRADE, RiskAlert, SellerScore
from fourflow.risk.repository import scores as repository
from fourflow.risk.service import features, models

GRADES = (*(grade for grade, _upper in GRADE_BANDS), WORST_GRADE)
# Grades a seller may fall before controls apply; falling into the worst grade always does.
DOWNGRADE_STEPS_FOR_CONTROLS = 2
CONTROLS = (LIMIT_REDUCTION, *REVIEW_CONTROLS)


def rescore(session: Session, context: audit.AuditContext,
            seller_organisation_id: uuid.UUID) -> SellerScore | None:
    """Recompute today's features and the score; None while no credit model is active."""
    active = models.active_model(session)
    if active is None:
        return None
    now = get_clock().now()
    vector = features.refresh_snapshot(session, seller_organisation_id, now.date())
    scorer = models.scorer_of(active)
    scored = scorer(vector.values)
    grade = grade_for(scored.probability_of_default)
    previous = repository.latest_score(session, seller_organisation_id)
    previous_grade = previous.grade if previous is not None else None
    fell = 0 if previous_grade is None else GRADES.index(grade) - GRADES.index(previous_grade)
    controls = list(CONTROLS) if fell >= DOWNGRADE_STEPS_FOR_CONTROLS or (
        fell > 0 and grade == WORST_GRADE) else []
    stored = SellerScore(
        id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, as_of=vector.as_of,
        score=scored.score, grade=grade, probability_of_default=scored.probability_of_default,
        model_version=scorer.version,
        previous_grade=previous_grade, reasons=list(scored.reasons), controls=controls, scored_at=now)
    repository.add_score(session, stored)
    if controls:
        repository.add_alert(session, RiskAlert(
            id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, kind=DOWNGRADE,
            severity="critical" if grade == WORST_GRADE else "warning",
            details={"from": previous_grade, "to": grade, "score": scored.score,
                     "probability_of_default": str(scored.probability_of_default), "controls": controls,
                     "reasons": [reason["characteristic"] for reason in scored.reasons]},
            raised_at=now, resolved_at=None))
        audit.record(session, context, "risk:seller:downgraded", subject_type="organisation",
                     subject_id=seller_organisation_id, organisation_id=seller_organisation_id,
                     before={"grade": previous_grade}, after={"grade": grade, "controls": controls})
    return stored


def controls_in_force(session: Session, seller_organisation_id: uuid.UUID) -> list[str]:
    """The controls of the newest score: what limits and drawdowns must respect now."""
    latest = repository.latest_score(session, seller_organisation_id)
    return [] if latest is None else list(latest.controls)
