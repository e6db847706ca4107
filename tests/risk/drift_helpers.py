"""A hand-made scorecard whose drift reference is known by heart, and sellers with feature
snapshots placed in chosen bins, for the drift-monitoring tests.

The model: refund_rate below 0.05 earns 30 points, from 0.05 on 0, missing 10; tenure_months
below 12 earns 0, from 12 on 20, missing 5; base 550. So a seller scores

    low refunds, short tenure  580      high refunds, short tenure  550
    low refunds, long tenure   600      high refunds, long tenure   570
    low refunds, tenure missing 585

and the score buckets (edges 565 and 575) are (-inf, 565) ∋ 550, [565, 575) ∋ 570 and
[575, inf) ∋ 580, 585, 600. The training population had ten sellers of each of the four
complete kinds: score shares 0.25 / 0.25 / 0.5, each characteristic 0.5 / 0.5 / 0 (missing).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.identity.models import Organisation
from fourflow.risk.models import CreditModel
from fourflow.risk.scorecard.drift import Distribution, DriftReference
from fourflow.risk.scorecard.model import (
    NUMERIC,
    Characteristic,
    PlattCalibration,
    ScorecardModel,
    ScoreScaling,
)
from fourflow.risk.service import features, models

LOW_REFUNDS_SHORT = {"refund_rate": 0.01, "tenure_months": 6.0}     # 580
LOW_REFUNDS_LONG = {"refund_rate": 0.02, "tenure_months": 30.0}     # 600
HIGH_REFUNDS_SHORT = {"refund_rate": 0.09, "tenure_months": 3.0}    # 550
HIGH_REFUNDS_LONG = {"refund_rate": 0.2, "tenure_months": 12.0}     # 570 (12 is in the bin above)
LOW_REFUNDS_NO_TENURE: dict[str, float | None] = {"refund_rate": 0.0, "tenure_months": None}  # 585
SCORE_EDGES = (565.0, 575.0)
SCORE_BINS = ("(-inf, 565)", "[565, 575)", "[575, inf)")
REFUND_BINS = ("(-inf, 0.05)", "[0.05, inf)", "missing")
TENURE_BINS = ("(-inf, 12)", "[12, inf)", "missing")


def drift_model() -> ScorecardModel:
    return ScorecardModel(
        characteristics=(
            Characteristic("refund_rate", NUMERIC, bin_points=(30, 0), missing_points=10,
                           split_points=(0.05,)),
            Characteristic("tenure_months", NUMERIC, bin_points=(0, 20), missing_points=5,
                           split_points=(12.0,)),
        ),
        base_points=550, scaling=ScoreScaling(), calibration=PlattCalibration(intercept=10.0, slope=-0.02))


def training_population() -> list[dict[str, float | None]]:
    kinds = (LOW_REFUNDS_SHORT, LOW_REFUNDS_LONG, HIGH_REFUNDS_SHORT, HIGH_REFUNDS_LONG)
    return [dict(kind) for kind in kinds for _copy in range(10)]


def drift_reference() -> DriftReference:
    return DriftReference(population=40, score_edges=SCORE_EDGES, score_shares=(0.25, 0.25, 0.5),
                          characteristics={"refund_rate": Distribution(REFUND_BINS, (0.5, 0.5, 0.0)),
                                           "tenure_months": Distribution(TENURE_BINS, (0.5, 0.5, 0.0))})


def card(*, with_reference: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": "ignored", "training_from": "2025-11-01", "training_to": "2026-05-31",
        "test_from": "2026-06-01", "test_to": "2026-10-01", "rows": 40, "test_rows": 20, "auc": 0.8123,
        "ks": 0.4567, "gini": 0.6246, "brier": 0.1034, "psi": 0.0123,
        "features": ["refund_rate", "tenure_months"], "features_version": features.FEATURES_VERSION}
    if with_reference:
        document["drift_reference"] = drift_reference().to_dict()
    return document


def register_drift_model(session: Session, version: str, *, with_reference: bool = True) -> CreditModel:
    return models.register(session, AuditContext.system(), drift_model(), card(with_reference=with_reference),
                           version=version)


def add_sellers_with_snapshots(session: Session, kinds: Mapping[str, int], *, as_of: date,
                               prefix: str = "drift") -> list[uuid.UUID]:
    """``kinds``: how many sellers of each kind (a key of KINDS) to create, each with one snapshot
    dated ``as_of``."""
    sellers = []
    for kind, how_many in kinds.items():
        for number in range(how_many):
            seller = Organisation(id=uuid.uuid4(), slug=f"{prefix}-{kind}-{number}", name=f"{kind} {number}",
                                  kind="seller", country_code="CN")
            session.add(seller)
            session.flush()
            store(session, seller.id, as_of, KINDS[kind])
            sellers.append(seller.id)
    return sellers


def store(session: Session, seller: uuid.UUID, as_of: date, values: Mapping[str, float | None]) -> None:
    features.store_snapshot(session, seller, features.FeatureVector(
        seller_organisation_id=seller, as_of=as_of, values=dict(values), missing={}, lineage={}))


KINDS: dict[str, Mapping[str, float | None]] = {
    "low_short": LOW_REFUNDS_SHORT, "low_long": LOW_REFUNDS_LONG, "high_short": HIGH_REFUNDS_SHORT,
    "high_long": HIGH_REFUNDS_LONG, "low_no_tenure": LOW_REFUNDS_NO_TENURE}
