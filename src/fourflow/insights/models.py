"""Reminders for sellers: one row per thing to remember (a repayment due, a restock before a peak),
created once per (seller, key) by the daily job, e-mailed once to the seller's contacts and shown
in-app until someone of the seller marks it read.

The text is stored as a msgid and its parameters and rendered in the reader's language; the inputs
and the version of the analysis that raised it are kept with it, so a reminder can be explained
later exactly as it was computed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey

REMINDER_KINDS = ("repayment_due", "restock_before_peak")


class SellerReminder(UUIDPrimaryKey, Base):
    __tablename__ = "insight_reminders"
    __table_args__ = (
        # The job's idempotency: a reminder for the same instalment or SKU and season is raised once.
        UniqueConstraint("seller_organisation_id", "reminder_key"),
        CheckConstraint("kind IN ('repayment_due', 'restock_before_peak')", name="kind"),
        Index("ix_insight_reminders_seller_created", "seller_organisation_id", "created_at"),
    )

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(24))
    # e.g. repayment_due:<loan id>:2026-11-14 or restock_before_peak:LAMP-01:prime_day:2027
    reminder_key: Mapped[str] = mapped_column(String(240))
    loan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lending_loans.id"))
    sku: Mapped[str | None] = mapped_column(String(100))
    act_by: Mapped[date]  # the day the seller should act by (pay, order)
    title: Mapped[str] = mapped_column(String(200))  # msgid
    body: Mapped[str] = mapped_column(String(600))   # msgid
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    emailed_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    read_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
