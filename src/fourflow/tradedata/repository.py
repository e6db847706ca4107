"""Every trade-data query."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.tradedata.models import FxReferenceRate


def insert_rates(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    result = session.execute(insert(FxReferenceRate).values(rows).on_conflict_do_nothing(
        index_elements=["source", "base_currency", "quote_currency", "rate_date"])
        .returning(FxReferenceRate.id))
    return len(result.all())


def latest_rate(session: Session, base: str, quote: str, on: date) -> FxReferenceRate | None:
    """The newest rate published on or before ``on`` (weekends and holidays have none)."""
    return session.execute(
        select(FxReferenceRate).where(FxReferenceRate.base_currency == base,
                                      FxReferenceRate.quote_currency == quote,
                                      FxReferenceRate.rate_date <= on)
        .order_by(FxReferenceRate.rate_date.desc()).limit(1)).scalar_one_or_none()
