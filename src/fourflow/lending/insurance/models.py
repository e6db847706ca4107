"""Insurance quotes on offers, the policies bound on loans, and the claims made under them.

A quote is the insurer's price for one cover (cargo or credit) on one offer, stored with what was
asked (the inputs), the insurer, its pricing version and the premium; the seller chooses it when
accepting the offer (``chosen``). When the loan on that offer is disbursed, the chosen quote becomes a
policy: ``active`` once the insurer bound it (premium posted), ``pending`` while the insurer could not
be reached (a job binds it later), ``lapsed`` when the loan ended before it could be bound.

A claim on a policy is ``approved`` (its amount posted as due from the insurer), ``declined`` (nothing
posted) or ``paid`` (the insurer's money arrived).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey

COVERS = ("cargo", "credit")


class InsuranceQuote(UUIDPrimaryKey, Base):
    __tablename__ = "lending_insurance_quotes"
    __table_args__ = (
        UniqueConstraint("offer_id", "cover"),
        CheckConstraint("cover IN ('cargo', 'credit')", name="cover"),
        CheckConstraint("status IN ('quoted', 'chosen')", name="status"),
        CheckConstraint("premium_amount > 0 AND insured_amount > 0", name="amounts_positive"),
        Index("ix_lending_insurance_quotes_seller", "seller_organisation_id"),
    )

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_offers.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    cover: Mapped[str] = mapped_column(String(16))
    insurer: Mapped[str] = mapped_column(String(64))
    insurer_reference: Mapped[str] = mapped_column(String(100))
    pricing_version: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    insured_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    cover_days: Mapped[int]
    premium_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    premium_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    indemnity_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    # What the insurer was asked (product, insured amount and how it was derived, days) and its basis.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    chosen_at: Mapped[datetime | None]
    chosen_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class InsurancePolicy(UUIDPrimaryKey, Base):
    __tablename__ = "lending_insurance_policies"
    __table_args__ = (
        UniqueConstraint("quote_id"),
        UniqueConstraint("loan_id", "cover"),
        CheckConstraint("status IN ('pending', 'active', 'lapsed')", name="status"),
        Index("ix_lending_insurance_policies_seller", "seller_organisation_id"),
        Index("ix_lending_insurance_policies_status", "status"),
    )

    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_insurance_quotes.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    cover: Mapped[str] = mapped_column(String(16))
    insurer: Mapped[str] = mapped_column(String(64))
    insurer_reference: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    insured_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    premium_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    indemnity_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(200))
    premium_remitted_at: Mapped[datetime | None]  # the premium was paid on to the insurer
    created_at: Mapped[datetime]
    bound_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class InsuranceClaim(UUIDPrimaryKey, Base):
    __tablename__ = "lending_insurance_claims"
    __table_args__ = (
        UniqueConstraint("policy_id", "reason"),  # one default claim per policy
        CheckConstraint("status IN ('approved', 'declined', 'paid')", name="status"),
        CheckConstraint("loss_amount > 0 AND approved_amount >= 0", name="amounts"),
        Index("ix_lending_insurance_claims_status", "status"),
    )

    policy_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_insurance_policies.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(String(32))  # what happened: "default"
    insurer_reference: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    loss_on: Mapped[date]
    loss_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    approved_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    status: Mapped[str] = mapped_column(String(16))
    decision_reason: Mapped[str] = mapped_column(String(64))  # the insurer's reason code
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
