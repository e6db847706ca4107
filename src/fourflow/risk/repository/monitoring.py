"""Queries of credit-model monitoring: the population a drift check scores, the checks stored,
and the platform's open drift alert."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.risk.models import MODEL_DRIFT, FeatureSnapshot, ModelDriftCheck, RiskAlert


def newest_snapshots(session: Session, version: str, *, after: date,
                     on_or_before: date) -> list[FeatureSnapshot]:
    """Each seller's newest snapshot of ``version`` dated after ``after`` and on or before
    ``on_or_before``; one per seller, in seller order."""
    return list(session.execute(
        select(FeatureSnapshot).where(FeatureSnapshot.version == version, FeatureSnapshot.as_of > after,
                                      FeatureSnapshot.as_of <= on_or_before)
        .ext(distinct_on(FeatureSnapshot.seller_organisation_id))
        .order_by(FeatureSnapshot.seller_organisation_id, FeatureSnapshot.as_of.desc())).scalars())


def add_check(session: Session, check: ModelDriftCheck) -> None:
    session.add(check)
    session.flush()


def checks_page(session: Session, model_version: str, request: PageRequest) -> Page[ModelDriftCheck]:
    """The version's checks, newest first."""
    return fetch_page(session, select(ModelDriftCheck).where(ModelDriftCheck.model_version == model_version),
                      (ModelDriftCheck.checked_at.desc(), ModelDriftCheck.id), request)


def recent_checks(session: Session, model_version: str, limit: int) -> list[ModelDriftCheck]:
    """The version's newest ``limit`` checks, oldest first."""
    newest = list(session.execute(
        select(ModelDriftCheck).where(ModelDriftCheck.model_version == model_version)
        .order_by(ModelDriftCheck.checked_at.desc(), ModelDriftCheck.id).limit(limit)).scalars())
    return newest[::-1]


def check_on(session: Session, model_version: str, as_of: date) -> ModelDriftCheck | None:
    """A check of the version for that day, if one was stored."""
    return session.execute(select(ModelDriftCheck).where(
        ModelDriftCheck.model_version == model_version, ModelDriftCheck.as_of == as_of)
        .order_by(ModelDriftCheck.checked_at.desc()).limit(1)).scalar_one_or_none()


def open_drift_alert(session: Session, organisation_id: uuid.UUID, model_version: str) -> RiskAlert | None:
    return session.execute(select(RiskAlert).where(
        RiskAlert.seller_organisation_id == organisation_id, RiskAlert.kind == MODEL_DRIFT,
        RiskAlert.resolved_at.is_(None), RiskAlert.details["model_version"].astext == model_version)
        .order_by(RiskAlert.raised_at.desc()).limit(1)).scalar_one_or_none()


def add_alert(session: Session, alert: RiskAlert) -> None:
    session.add(alert)
    session.flush()
