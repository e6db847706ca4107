"""Unusual sellers (F11): an isolation forest over every seller's newest features; the most
unusual become alerts naming the features that set them apart."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.identity import service as identity
from fourflow.risk.models import RiskAlert
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

    rows: dict[str, dict[str, float | None]] = {}
    for organisation in identity.organisations_of_kind(session, "seller"):
        snapshot = features.latest_snapshot(session, organisation.id)
        if snapshot is not None:
            rows[str(organisation.id)] = dict(snapshot.values)
    if len(rows) < MINIMUM_SELLERS:
        return []
    raised = []
    now = get_clock().now()
    for seller, result in detect_anomalies(rows, seed=SEED, contamination=CONTAMINATION).items():
        seller_id = uuid.UUID(seller)
        open_alerts = alerts.open_alerts(session, seller_id)
        if not result.flagged or any(alert.kind == "anomaly" for alert in open_alerts):
            continue
        alert = RiskAlert(id=uuid.uuid4(), seller_organisation_id=seller_id, kind="anomaly",
                          severity="warning", details=result.as_dict(), raised_at=now, resolved_at=None)
        repository.add_alert(session, alert)
        raised.append(alert)
    return raised
