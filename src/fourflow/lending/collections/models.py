"""Collection actions taken on overdue loans, and the write-offs and recoveries of loans.

An action is created by the daily collections job from the strategy (``collections@v1``), once per
(loan, day, action); a write-off is one per loan; a recovery is one per (loan, reference).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey

ACTIONS = ("reminder", "call_task", "formal_notice", "stock_lock", "legal", "asset_disposal")


class CollectionAction(UUIDPrimaryKey, Base):
    __tablename__ = "lending_collection_actions"
    __table_args__ = (
        UniqueConstraint("loan_id", "action_on", "action"),
        CheckConstraint("action IN ('reminder', 'call_task', 'formal_notice', 'stock_lock', 'legal', "
                        "'asset_disposal')", name="action"),
        CheckConstraint("days_past_due > 0", name="days_past_due_positive"),
        Index("ix_lending_collection_actions_seller_on", "seller_organisation_id", "action_on"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    action_on: Mapped[date]
    action: Mapped[str] = mapped_column(String(24))
    bucket: Mapped[str] = mapped_column(String(8))
    days_past_due: Mapped[int]
    overdue_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    willingness: Mapped[str] = mapped_column(String(16))
    strategy_version: Mapped[str] = mapped_column(String(32))
    # [{"code": …, "message": N_ text, "params": {…}}]: rendered in the reader's language.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime]


class LoanWriteOff(UUIDPrimaryKey, Base):
    __tablename__ = "lending_loan_write_offs"
    __table_args__ = (UniqueConstraint("loan_id"),)

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    written_off_on: Mapped[date]
    days_past_due: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    interest_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    fees_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    # The part of the principal the funder bears (its deployed capital is lost).
    funder_loss_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    reason: Mapped[str] = mapped_column(String(500))
    written_off_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class LoanRecovery(UUIDPrimaryKey, Base):
    __tablename__ = "lending_loan_recoveries"
    __table_args__ = (
        UniqueConstraint("loan_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(64))
    received_on: Mapped[date]
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class StockLockEvent(UUIDPrimaryKey, Base):
    """One lock or release of a SKU's pledged units at a warehouse, for a loan; the units locked for
    a loan are Σ lock − Σ release per SKU."""

    __tablename__ = "lending_stock_lock_events"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        CheckConstraint("kind IN ('lock', 'release')", name="kind"),
        CheckConstraint("units > 0", name="units_positive"),
        Index("ix_lending_stock_lock_events_loan", "loan_id"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(8))
    warehouse: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(100))
    units: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class MonitoringAlert(UUIDPrimaryKey, Base):
    """Post-loan monitoring (F22): the anomalies found on a loan on a day, with their reasons and the
    action proposed; nothing happens until a risk officer confirms (or dismisses) it with a reason."""

    __tablename__ = "lending_monitoring_alerts"
    __table_args__ = (
        UniqueConstraint("loan_id", "raised_on"),
        CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status"),
        CheckConstraint("proposed_action IN ('limit_freeze', 'drawdown_hold', 'early_recall')",
                        name="proposed_action"),
        Index("ix_lending_monitoring_alerts_status", "status", "raised_on"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    raised_on: Mapped[date]
    monitoring_version: Mapped[str] = mapped_column(String(32))
    # [{"code", "message", "params", "proposed_action"}], the inputs named in the params.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    proposed_action: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


class LoanRecall(UUIDPrimaryKey, Base):
    """An early recall a risk officer confirmed on a monitoring alert (F22): everything owed became
    due on ``recalled_on``; the plan it replaced is kept so a risk officer can lift the recall."""

    __tablename__ = "lending_loan_recalls"
    __table_args__ = (
        UniqueConstraint("alert_id"),
        # One standing recall per loan.
        Index("uq_lending_loan_recalls_standing", "loan_id", unique=True,
              postgresql_where=text("lifted_at IS NULL")),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_monitoring_alerts.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    recalled_on: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # due on recalled_on
    interest_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    fees_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    previous_maturity_on: Mapped[date]
    # [{"number", "due_on", "principal", "interest", "fees"}]: the plan before the recall.
    previous_instalments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # the alert's findings
    recalled_reason: Mapped[str] = mapped_column(String(500))  # the officer's words
    recalled_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recalled_at: Mapped[datetime]
    lifted_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(String(500))
