"""Canonical trade data. For now: FX reference rates (more arrives with the four flows)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, Timestamps, UUIDPrimaryKey


class FxReferenceRate(UUIDPrimaryKey, Timestamps, Base):
    """Units of ``quote_currency`` per one unit of ``base_currency`` on ``rate_date``."""

    __tablename__ = "fx_reference_rates"
    __table_args__ = (UniqueConstraint("source", "base_currency", "quote_currency", "rate_date"),)

    source: Mapped[str] = mapped_column(String(16))  # e.g. ECB
    base_currency: Mapped[str] = mapped_column(String(3))
    quote_currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(Numeric(asdecimal=True))
