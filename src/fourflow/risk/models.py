"""Risk engine tables: versioned rule sets and models, feature snapshots, decisions, the seller's
score history, risk alerts and the credit model's drift checks.

Everything a decision used is stored beside it (inputs, feature values, rule-set and model
versions, the outputs and reasons) so it can be explained and replayed to the same result
(ARCHITECTURE rule 6); rule sets and models are immutable once stored — a change is a new version.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey


class RuleSetVersion(UUIDPrimaryKey, Base):
    """One version of a named JDM decision graph (hard_lines, policy). At most one version of a
    name is active; activating another retires it, without a release."""

    __tablename__ = "risk_rule_sets"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("uq_risk_rule_sets_active_name", "name", unique=True,
              postgresql_where=text("status = 'active'")),
    )

    name: Mapped[str] = mapped_column(String(48))
    version: Mapped[int]
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # draft, active, retired
    note: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class CreditModel(UUIDPrimaryKey, Base):
    """A trained PD scorecard in its portable form, with its model card (training window, AUC,
    KS, Gini, Brier, PSI)."""

    __tablename__ = "risk_models"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index("uq_risk_models_active_name", "name", unique=True, postgresql_where=text("status = 'active'")),
    )

    name: Mapped[str] = mapped_column(String(48))
    version: Mapped[str] = mapped_column(String(32))
    scorecard: Mapped[dict[str, Any]] = mapped_column(JSONB)
    card: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))  # active, retired
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]


class FeatureSnapshot(UUIDPrimaryKey, Base):
    """A seller's features as of a date (no look-ahead), with the derived figures they came from."""

    __tablename__ = "risk_feature_snapshots"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "as_of", "version"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    as_of: Mapped[date]
    version: Mapped[str] = mapped_column(String(32))  # e.g. features@v1
    features: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # {feature: {"figures": [figure ids], "tables": [...]}}: what each value was computed from.
    lineage: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime]


class RiskDecision(UUIDPrimaryKey, Base):
    """One credit decision with everything needed to explain and replay it."""

    __tablename__ = "risk_decisions"
    __table_args__ = (Index("ix_risk_decisions_seller_decided", "seller_organisation_id", "decided_at"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    product: Mapped[str] = mapped_column(String(32))
    requested_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(16))  # approve, refer, observation, decline
    grade: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[int | None]
    probability_of_default: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    limit_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    annual_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)     # request, features, graph features
    versions: Mapped[dict[str, Any]] = mapped_column(JSONB)   # rule sets, model, features, limits, pricing
    outputs: Mapped[dict[str, Any]] = mapped_column(JSONB)    # price, limit, rule traces
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class SellerScore(UUIDPrimaryKey, Base):
    """The dynamic score (F13): recomputed when a seller's data lands; a downgrade past the
    threshold records the controls it triggered."""

    __tablename__ = "risk_seller_scores"
    __table_args__ = (Index("ix_risk_seller_scores_seller_scored", "seller_organisation_id", "scored_at"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    as_of: Mapped[date]
    score: Mapped[int]
    grade: Mapped[str] = mapped_column(String(1))
    probability_of_default: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    model_version: Mapped[str] = mapped_column(String(32))
    previous_grade: Mapped[str | None] = mapped_column(String(1))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    controls: Mapped[list[str]] = mapped_column(JSONB)  # limit_reduction, manual_review, drawdown_hold
    scored_at: Mapped[datetime]


# What a risk alert is about (RiskAlert.kind).
FRAUD_RING = "fraud_ring"
CIRCULAR_TRADING = "circular_trading"
ANOMALY = "anomaly"
DOWNGRADE = "downgrade"
MODEL_DRIFT = "model_drift"


class RiskAlert(UUIDPrimaryKey, Base):
    """Something a risk officer should look at: a downgrade, an anomaly, a ring, a cycle, or the
    credit model's population drifting (``model_drift``, the platform's own: it concerns the whole
    book, so it is raised against the platform organisation)."""

    __tablename__ = "risk_alerts"
    __table_args__ = (Index("ix_risk_alerts_seller_raised", "seller_organisation_id", "raised_at"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    # downgrade, anomaly, fraud_ring, circular_trading, model_drift
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))   # info, warning, critical
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class ModelDriftCheck(UUIDPrimaryKey, Base):
    """One look at whether the population the active model scores has moved away from the one it
    was trained on: the PSI of the score and of each characteristic against the model card's
    reference. Too few sellers: status ``insufficient_data`` and no PSI."""

    __tablename__ = "risk_model_drift_checks"
    __table_args__ = (Index("ix_risk_model_drift_checks_version_checked", "model_version", "checked_at"),)

    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_models.id"))
    model_version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date]
    checked_at: Mapped[datetime]
    population: Mapped[int]  # sellers scored
    score_psi: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    # {"bins", "expected_shares", "actual_shares", "psi", "status"} of the score buckets.
    score: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # {characteristic: {"psi", "status", "bins", "expected_shares", "actual_shares"}}
    characteristics: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(24))  # stable, watch, drifted, insufficient_data


# The controls a person puts on a seller (SellerControl.control): a frozen credit limit (no new
# financing or increase) and a hold on new drawdowns (no application, disbursement or draw).
LIMIT_FREEZE = "limit_freeze"
DRAWDOWN_HOLD = "drawdown_hold"
SELLER_CONTROLS = (LIMIT_FREEZE, DRAWDOWN_HOLD)


class SellerControl(UUIDPrimaryKey, Base):
    """A control on a seller imposed by a risk officer's confirmed decision (post-loan monitoring,
    F22), standing until a risk officer releases it. Credit decisions read the standing ones beside
    the controls of a downgrade (``controls_in_force``); drawdowns are refused while a hold stands."""

    __tablename__ = "risk_seller_controls"
    __table_args__ = (
        UniqueConstraint("source_reference", "control"),
        CheckConstraint("control IN ('limit_freeze', 'drawdown_hold')", name="control"),
        Index("ix_risk_seller_controls_standing", "seller_organisation_id",
              postgresql_where=text("released_at IS NULL")),
    )

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    control: Mapped[str] = mapped_column(String(24))  # limit_freeze, drawdown_hold
    # What imposed it, e.g. "lending:monitoring-alert:<id>": one control per source and kind.
    source_reference: Mapped[str] = mapped_column(String(200))
    # [{"code", "message" (N_ text), "params"}]: shown in the reader's language.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    imposed_reason: Mapped[str] = mapped_column(String(500))  # the officer's words
    imposed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    imposed_at: Mapped[datetime]
    released_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(500))
