"""Monitoring the PD scorecard (F11): does the population the active model scores today still
look like the one it learnt from?

A drift check scores the newest feature snapshot of every seller from the last ``WINDOW_DAYS``
days with the active model and compares the score buckets and each characteristic's bins with
the training population's shares kept in the model card (``scorecard.drift``). The check is stored
with every share, so the page and an auditor see what moved; a drifted score raises the
platform's ``model_drift`` alert (one open alert per model version), and the check is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict
from fourflow.core.i18n import N_
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.risk.models import MODEL_DRIFT, CreditModel, ModelDriftCheck, RiskAlert
from fourflow.risk.repository import monitoring as repository
from fourflow.risk.scorecard import drift
from fourflow.risk.service import features, models

WINDOW_DAYS = 30
# PSI over ten score buckets of fewer sellers swings on a handful of them: below this the check
# is stored as insufficient data, without a PSI.
MINIMUM_POPULATION = 30
INSUFFICIENT_DATA = "insufficient_data"
HISTORY_CHECKS = 60
# Where the statuses begin (scorecard.drift explains the convention), for pages drawing them.
WATCH_FROM = drift.STABLE_BELOW
DRIFTED_FROM = drift.WATCH_BELOW
PLATFORM = "platform"


class DriftReferenceMissing(Conflict):
    code = "drift_reference_missing"
    message = N_("Credit model version {version} has no drift reference; retrain it to monitor drift.")


class PlatformOrganisationMissing(Conflict):
    code = "platform_organisation_missing"
    message = N_("There is no platform organisation to raise the model drift alert for.")


@dataclass(frozen=True, slots=True)
class ModelsOverview:
    """What the model registry page shows."""

    versions: list[CreditModel]
    active: CreditModel | None
    latest: ModelDriftCheck | None
    history: list[ModelDriftCheck]  # the active version's checks, oldest first


def drift_reference(stored: CreditModel) -> drift.DriftReference:
    """The training population's shares from the model card."""
    document: dict[str, Any] | None = stored.card.get("drift_reference")
    if document is None:
        raise DriftReferenceMissing(version=stored.version)
    return drift.DriftReference.from_dict(document)


def check_drift(session: Session, context: audit.AuditContext, *, as_of: date) -> ModelDriftCheck:
    """Check the active model on the sellers' newest snapshots dated in the ``WINDOW_DAYS`` days
    up to ``as_of``; store the check, raise the alert when the score drifted, audit it."""
    stored = models.active_model(session)
    if stored is None:
        raise models.NoActiveCreditModel()
    reference = drift_reference(stored)
    model = models.scorer_of(stored).model
    features_version = str(stored.card.get("features_version", features.FEATURES_VERSION))
    snapshots = repository.newest_snapshots(session, features_version,
                                            after=as_of - timedelta(days=WINDOW_DAYS), on_or_before=as_of)
    population: list[dict[str, Any]] = [snapshot.features.get("values", {}) for snapshot in snapshots]
    check = ModelDriftCheck(id=uuid.uuid4(), model_id=stored.id, model_version=stored.version, as_of=as_of,
                            checked_at=get_clock().now(), population=len(population), score_psi=None,
                            score=None, characteristics={}, status=INSUFFICIENT_DATA)
    if len(population) >= MINIMUM_POPULATION:
        result = drift.compare(reference, model, population)
        check.score_psi = result.score.psi
        check.score = result.score.as_dict()
        check.characteristics = {name: item.as_dict() for name, item in result.characteristics.items()}
        check.status = result.status
    repository.add_check(session, check)
    alert = _raise_alert(session, check) if check.status == drift.DRIFTED else None
    audit.record(session, context, "risk:model:drift_checked", subject_type="risk_model",
                 subject_id=stored.id, after={
                     "version": stored.version, "check_id": str(check.id), "as_of": as_of.isoformat(),
                     "population": check.population,
                     "score_psi": None if check.score_psi is None else str(check.score_psi),
                     "status": check.status, "alert_id": None if alert is None else str(alert.id)})
    return check


def scheduled_check(session: Session, context: audit.AuditContext, *, as_of: date) -> ModelDriftCheck | None:
    """The daily job: nothing while no model is active; once per model version and day (a job run
    again for the same day returns the check already stored)."""
    stored = models.active_model(session)
    if stored is None:
        return None
    done = repository.check_on(session, stored.version, as_of)
    return done if done is not None else check_drift(session, context, as_of=as_of)


def drift_checks(session: Session, version: str, request: PageRequest) -> Page[ModelDriftCheck]:
    """A model version's checks, newest first."""
    models.get_version(session, version)
    return repository.checks_page(session, version, request)


def models_overview(session: Session) -> ModelsOverview:
    active = models.active_model(session)
    history = [] if active is None else repository.recent_checks(session, active.version, HISTORY_CHECKS)
    return ModelsOverview(versions=models.list_versions(session), active=active,
                          latest=history[-1] if history else None, history=history)


def _raise_alert(session: Session, check: ModelDriftCheck) -> RiskAlert | None:
    """The platform's alert for a drifted model version; None when one is open already."""
    platforms = identity.organisations_of_kind(session, PLATFORM)
    if not platforms:
        raise PlatformOrganisationMissing()
    platform = platforms[0].id
    if repository.open_drift_alert(session, platform, check.model_version) is not None:
        return None
    drifted = sorted(((name, item["psi"]) for name, item in check.characteristics.items()
                      if item["status"] == drift.DRIFTED), key=lambda pair: (-pair[1], pair[0]))
    alert = RiskAlert(id=uuid.uuid4(), seller_organisation_id=platform, kind=MODEL_DRIFT,
                      severity="critical", raised_at=check.checked_at, resolved_at=None, details={
                          "model_version": check.model_version, "check_id": str(check.id),
                          "as_of": check.as_of.isoformat(), "score_psi": str(check.score_psi),
                          "characteristics": [name for name, _psi in drifted]})
    repository.add_alert(session, alert)
    return alert
