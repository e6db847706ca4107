"""Queries of the related-party graph's alerts (risk_alerts of kinds fraud_ring and
circular_trading). Platform-wide: the graph job and staff raise and read them across sellers."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.risk.models import RiskAlert

AlertKey = tuple[uuid.UUID, str, tuple[str, ...]]     # (seller, kind, members)


def open_alert_members(session: Session, kinds: Collection[str]) -> set[AlertKey]:
    """(seller, kind, members) of every unresolved alert of the given kinds; members as stored
    in ``details["members"]``."""
    rows = session.execute(select(RiskAlert.seller_organisation_id, RiskAlert.kind,
                                  RiskAlert.details["members"])
                           .where(RiskAlert.kind.in_(list(kinds)), RiskAlert.resolved_at.is_(None))).all()
    return {(seller, kind, tuple(members or ())) for seller, kind, members in rows}


def add_alerts(session: Session, alerts: list[dict[str, Any]]) -> list[RiskAlert]:
    """Insert the alerts (column values) and flush, so their ids are known."""
    rows = [RiskAlert(**values) for values in alerts]
    session.add_all(rows)
    session.flush()
    return rows


def alerts_of_seller(session: Session, seller_organisation_id: uuid.UUID, kinds: Collection[str], *,
                     open_only: bool = True) -> list[RiskAlert]:
    """The seller's alerts of the given kinds, newest first."""
    statement = select(RiskAlert).where(RiskAlert.seller_organisation_id == seller_organisation_id,
                                        RiskAlert.kind.in_(list(kinds)))
    if open_only:
        statement = statement.where(RiskAlert.resolved_at.is_(None))
    return list(session.execute(statement.order_by(RiskAlert.raised_at.desc(), RiskAlert.id)).scalars())
