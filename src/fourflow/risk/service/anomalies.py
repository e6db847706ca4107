"""Unusual sellers (F11): an isolation forest over every seller's newest features; the most
unusual become alerts naming the features that set them apart."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.identity import service as identity
from fourflow.risk.models import ANOMALY, RiskAlert
from fourflow.risk.repository import decisions as alerts
from fourflow.risk.repository import scores as repository
from fourflow.risk.service import features

# About one seller in twenty is looked at; fewer sellers than this make no meaningful forest.
CONTAMINATION = 0.05
MINIMUM_SELLERS = 10
SEED = 7


def raise_anomaly_alerts(session: Session) -> list[RiskAlert]:
    """Alert on the sellers the forest isolates; a seller with an open anomaly alert gets no
    second one."""
    # Imported here: scikit-learn is only needed by this batch job, never by a decision.
    from fourflow.risk.anomalies import detect_anomalies

    newest = features.newest_values_per_seller(session)
    sellers = identity.organisations_of_kind(session, "seller")
    rows = {str(seller.id): newest[seller.id] for seller in sellers if seller.id in newest}
    if len(rows) < MINIMUM_SELLERS:
        return []
    raised = []
    now = get_clock().now()
    already_alerted = alerts.sellers_with_open_alert(session, ANOMALY)
    for seller, result in detect_anomalies(rows, seed=SEED, contamination=CONTAMINATION).items():
        seller_id = uuid.UUID(seller)
        if not result.flagged or seller_id in already_alerted:
            continue
        alert = RiskAlert(id=uuid.uuid4(), seller_organisation_id=seller_id, kind=ANOMALY,
                          severity="warning", details=result.as_dict(), raised_at=now, resolved_at=None)
        repository.add_alert(session, alert)
        raised.append(alert)
    return raised
