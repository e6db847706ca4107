"""Credit lines and their draws.

An accepted offer of a revolving product (``lending.products.REVOLVING_PRODUCTS``) opens one credit
line: its limit is the offer's amount, in the offer's currency and at the offer's rate, open for draws
until ``term_end_on`` (the offer's tenor from the day it opened). Each draw is a loan
(``lending.loans``) on the line's offer, so the line's contract is the offer's contract and a draw is
paid out only once that contract carries every signature. The money lives in the draws' loan
accounts in the ledger; the line keeps the terms and its draws (one per idempotency key).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey


class CreditLine(UUIDPrimaryKey, Base):
    __tablename__ = "lending_credit_lines"
    __table_args__ = (
        UniqueConstraint("offer_id"),
        CheckConstraint("status IN ('open', 'frozen', 'closed')", name="status"),
        CheckConstraint("limit_amount > 0", name="limit_positive"),
        CheckConstraint("annual_rate >= 0", name="rate_not_negative"),
        CheckConstraint("origination_fee_rate >= 0 AND origination_fee_rate < 1", name="fee_rate_range"),
        CheckConstraint("draw_tenor_days > 0", name="draw_tenor_positive"),
        CheckConstraint("term_end_on > opened_on", name="term_after_opening"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_when_closed"),
        Index("ix_lending_credit_lines_seller", "seller_organisation_id", "opened_at"),
    )

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_offers.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    products_version: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(32))
    limit_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    # Of each draw, netted from that draw's proceeds (the product's rate when the line opened).
    origination_fee_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    # Each draw is repaid by the product's method over this many days from its disbursement.
    draw_tenor_days: Mapped[int]
    opened_on: Mapped[date]
    term_end_on: Mapped[date]  # no draw on or after this day
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CreditLineDraw(UUIDPrimaryKey, Base):
    """One draw: the amount asked for under one idempotency key, and the loan it was booked as."""

    __tablename__ = "lending_credit_line_draws"
    __table_args__ = (
        UniqueConstraint("line_id", "idempotency_key"),
        UniqueConstraint("loan_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("origination_fee_amount >= 0 AND origination_fee_amount < amount",
                        name="fee_below_amount"),
        Index("ix_lending_credit_line_draws_line", "line_id", "created_at", "recorded_at"),
        Index("ix_lending_credit_line_draws_seller", "seller_organisation_id"),
    )

    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_credit_lines.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    origination_fee_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    requested_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]  # the platform's clock (tests move it)
    # The database's own time of the insert: orders draws made at the same clock time.
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
