"""Queries of the seller score history and the alerts it raises."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.risk.models import RiskAlert, SellerScore


def latest_score(session: Session, seller_organisation_id: uuid.UUID) -> SellerScore | None:
    return session.execute(select(SellerScore).where(
        SellerScore.seller_organisation_id == seller_organisation_id)
        .order_by(SellerScore.scored_at.desc()).limit(1)).scalar_one_or_none()


def add_score(session: Session, score: SellerScore) -> None:
    session.add(score)
    session.flush()


def add_alert(session: Session, alert: RiskAlert) -> None:
    session.add(alert)
    session.flush()
