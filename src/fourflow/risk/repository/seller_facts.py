"""The one query of a seller's facts that a credit decision reads besides its features: the
anti-fraud velocity figures (F16), the open related-party and anomaly alerts, and the other
domains' columns (registry, stock, devices, payout accounts) — one SELECT of scalar subqueries,
so a decision pays one round trip for all of them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, exists, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from fourflow.risk.models import (
    ANOMALY,
    CIRCULAR_TRADING,
    FRAUD_RING,
    RiskAlert,
    RiskDecision,
    SellerControl,
    SellerScore,
)

# Counting stops here: past it a count says nothing new (every velocity limit is far below), and
# a seller (or a benchmark) with thousands of decisions would otherwise cost milliseconds each.
COUNT_CAP = 100


def facts_row(session: Session, seller_organisation_id: uuid.UUID, now: datetime, *,
              short_since: datetime, long_since: datetime, columns: tuple[ColumnElement[Any], ...],
              parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The seller's decisions in (short_since, now] and (long_since, now], each counted up to
    ``COUNT_CAP`` (ix_risk_decisions_seller_decided serves both), its open alerts
    (``in_fraud_ring``, ``ring_size``, ``in_circular_trading``, ``anomaly_flagged``), the controls
    of its newest dynamic score (``controls_in_force``, F13), the controls risk officers put on it
    that stand (``standing_controls``, F22), beside
    another domain's labelled ``columns`` with their ``parameters``."""
    row = session.execute(_statement(columns), {
        **parameters, "decision_seller": seller_organisation_id, "decision_now": now,
        "decision_short_since": short_since, "decision_long_since": long_since}).mappings().one()
    return dict(row)


# By the columns' identity: callers pass the same prebuilt columns every time, so the statement
# (and SQLAlchemy's cache key for it) is built once.
@cache
def _statement(columns: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    return select(_decisions_since("decision_short_since").label("credit_requests_short"),
                  _decisions_since("decision_long_since").label("credit_requests_long"),
                  _open_alert(FRAUD_RING).label("in_fraud_ring"),
                  (select(func.coalesce(func.jsonb_array_length(RiskAlert.details["members"]), 0))
                   .where(_is_open(FRAUD_RING)).order_by(RiskAlert.raised_at.desc()).limit(1)
                   .correlate(None).scalar_subquery()).label("ring_size"),
                  _open_alert(CIRCULAR_TRADING).label("in_circular_trading"),
                  _open_alert(ANOMALY).label("anomaly_flagged"),
                  _newest_controls().label("controls_in_force"),
                  _standing_controls().label("standing_controls"), *columns)


def _newest_controls() -> ColumnElement[Any]:
    """The controls of the seller's newest score (ix_risk_seller_scores_seller_scored)."""
    seller: BindParameter[uuid.UUID] = bindparam("decision_seller")
    return (select(SellerScore.controls).where(SellerScore.seller_organisation_id == seller)
            .order_by(SellerScore.scored_at.desc()).limit(1).correlate(None).scalar_subquery())


def _standing_controls() -> ColumnElement[Any]:
    """The kinds of control standing on the seller, in order (ix_risk_seller_controls_standing)."""
    seller: BindParameter[uuid.UUID] = bindparam("decision_seller")
    kinds = aggregate_order_by(SellerControl.control.distinct(), SellerControl.control)
    return (select(func.array_agg(kinds))
            .where(SellerControl.seller_organisation_id == seller, SellerControl.released_at.is_(None))
            .correlate(None).scalar_subquery())


def _is_open(kind: str) -> ColumnElement[bool]:
    return and_(RiskAlert.seller_organisation_id == bindparam("decision_seller"), RiskAlert.kind == kind,
                RiskAlert.resolved_at.is_(None))


def _open_alert(kind: str) -> ColumnElement[Any]:
    """Whether the seller has an open alert of this kind (ix_risk_alerts_seller_raised)."""
    return exists().where(_is_open(kind)).correlate(None)


def _decisions_since(since: str) -> ColumnElement[Any]:
    recent = (select(literal(1)).where(RiskDecision.seller_organisation_id == bindparam("decision_seller"),
                                       RiskDecision.decided_at > bindparam(since),
                                       RiskDecision.decided_at <= bindparam("decision_now"))
              .limit(COUNT_CAP).subquery())
    return select(func.count()).select_from(recent).correlate(None).scalar_subquery()
