"""Financing applications and the offers made on them.

An application is a seller's draft until it is submitted; submitting asks the risk engine for a
decision (stored in ``risk_decisions``, referred to here) and moves the application to
``offered`` (an offer was made), ``in_review`` (a risk officer decides) or ``declined``. An offer
is ``open`` until the seller accepts or declines it; an open offer past ``expires_at`` is expired
(shown as such; nothing needs to run to expire it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey

APPLICATION_STATUSES = ("draft", "in_review", "offered", "declined")
OFFER_STATUSES = ("open", "accepted", "declined")


class FinancingApplication(UUIDPrimaryKey, Base):
    __tablename__ = "lending_applications"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'in_review', 'offered', 'declined')", name="status"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        Index("ix_lending_applications_seller_created", "seller_organisation_id", "created_at"),
        Index("ix_lending_applications_status", "status"),
    )

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    products_version: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(32))
    # Drafts may be incomplete (autosave); submitting needs amount, currency and tenor.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    tenor_days: Mapped[int | None]
    purpose: Mapped[str | None] = mapped_column(Text)
    payee: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    # The Idempotency-Key of the submission that took it out of draft: a retry with the same key
    # gets the same answer and no second decision.
    submission_key: Mapped[str | None] = mapped_column(String(100))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("risk_decisions.id"))
    # What the seller is told when declined: [{"code", "message" (msgid), "params"}].
    decline_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]


class FinancingOffer(UUIDPrimaryKey, Base):
    """The terms offered on an application: one offer per application."""

    __tablename__ = "lending_offers"
    __table_args__ = (
        UniqueConstraint("application_id"),
        CheckConstraint("status IN ('open', 'accepted', 'declined')", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_lending_offers_seller_created", "seller_organisation_id", "created_at"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_applications.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_decisions.id"))
    products_version: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    tenor_days: Mapped[int]
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    annual_percentage_rate: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    origination_fee: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    repayment_method: Mapped[str] = mapped_column(String(24))
    # lending.schedules.Schedule.to_dict(), planned from the offer's day.
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    responded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
