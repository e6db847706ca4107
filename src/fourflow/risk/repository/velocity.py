"""The velocity query of the anti-fraud checks (F16): one SELECT of scalar subqueries, so a
decision pays one round trip for all of its velocity figures."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal, select
from sqlalchemy.orm import Session

from fourflow.risk.models import RiskDecision

# Counting stops here: past it a count says nothing new (every velocity limit is far below), and
# a seller (or a benchmark) with thousands of decisions would otherwise cost milliseconds each.
COUNT_CAP = 100


def velocity_row(session: Session, seller_organisation_id: uuid.UUID, now: datetime, *,
                 short_since: datetime, long_since: datetime, columns: tuple[ColumnElement[Any], ...],
                 parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The seller's decisions in (short_since, now] and (long_since, now], each counted up to
    ``COUNT_CAP`` (ix_risk_decisions_seller_decided serves both), beside another domain's
    labelled ``columns`` with their ``parameters``: {"credit_requests_short",
    "credit_requests_long", *column labels}."""
    row = session.execute(_statement(columns), {
        **parameters, "decision_seller": seller_organisation_id, "decision_now": now,
        "decision_short_since": short_since, "decision_long_since": long_since}).mappings().one()
    return dict(row)


# By the columns' identity: callers pass the same prebuilt columns every time, so the statement
# (and SQLAlchemy's cache key for it) is built once.
@cache
def _statement(columns: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    return select(_decisions_since("decision_short_since").label("credit_requests_short"),
                  _decisions_since("decision_long_since").label("credit_requests_long"), *columns)


def _decisions_since(since: str) -> ColumnElement[Any]:
    recent = (select(literal(1)).where(RiskDecision.seller_organisation_id == bindparam("decision_seller"),
                                       RiskDecision.decided_at > bindparam(since),
                                       RiskDecision.decided_at <= bindparam("decision_now"))
              .limit(COUNT_CAP).subquery())
    return select(func.count()).select_from(recent).correlate(None).scalar_subquery()
