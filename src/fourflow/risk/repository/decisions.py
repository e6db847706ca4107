"""Queries of stored credit decisions, score history and risk alerts."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from fourflow.risk.models import RiskAlert, RiskDecision

_DECISIONS = cast(Table, RiskDecision.__table__)
_DECISION_COLUMNS = tuple(column.key for column in _DECISIONS.columns)


def add(session: Session, decision: RiskDecision) -> None:
    """Insert a new decision as one plain INSERT: a decision is never changed once stored, so it
    needs none of the unit of work's change tracking (the hottest write; bench/decision.py).
    ``decision`` stays outside the session: read it back with ``get`` to have it attached."""
    session.execute(insert(_DECISIONS),
                    {key: getattr(decision, key) for key in _DECISION_COLUMNS})


def get(session: Session, decision_id: uuid.UUID,
        seller_organisation_id: uuid.UUID | None) -> RiskDecision | None:
    statement = select(RiskDecision).where(RiskDecision.id == decision_id)
    if seller_organisation_id is not None:
        statement = statement.where(RiskDecision.seller_organisation_id == seller_organisation_id)
    return session.execute(statement).scalar_one_or_none()


def of_seller(session: Session, seller_organisation_id: uuid.UUID, limit: int) -> list[RiskDecision]:
    return list(session.execute(select(RiskDecision).where(
        RiskDecision.seller_organisation_id == seller_organisation_id)
        .order_by(RiskDecision.decided_at.desc()).limit(limit)).scalars())


def open_alert_counts(session: Session) -> dict[uuid.UUID, int]:
    """How many open alerts each seller has (sellers with none are absent)."""
    rows = session.execute(
        select(RiskAlert.seller_organisation_id, func.count()).where(RiskAlert.resolved_at.is_(None))
        .group_by(RiskAlert.seller_organisation_id)).all()
    return dict(rows)


def sellers_with_open_alert(session: Session, kind: str) -> set[uuid.UUID]:
    return set(session.execute(select(RiskAlert.seller_organisation_id).where(
        RiskAlert.kind == kind, RiskAlert.resolved_at.is_(None))).scalars())


def open_alerts(session: Session, seller_organisation_id: uuid.UUID) -> list[RiskAlert]:
    return list(session.execute(select(RiskAlert).where(
        RiskAlert.seller_organisation_id == seller_organisation_id, RiskAlert.resolved_at.is_(None))
        .order_by(RiskAlert.raised_at.desc())).scalars())
