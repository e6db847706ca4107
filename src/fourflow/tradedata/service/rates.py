"""Trade-data services. FX reference rates: ingestion and cross rates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy.orm import Session

from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_
from fourflow.core.money import validate_currency
from fourflow.tradedata import repository
from fourflow.tradedata.connectors.fx.ecb import parse_ecb_rates

ECB = "ECB"
BATCH = 1000
# Cross rates keep more digits than any quote; amounts are rounded when posted.
RATE_PLACES = Decimal("0.0000000001")


class RateUnavailable(NotFound):
    code = "rate_unavailable"
    message = N_("No {base}/{quote} reference rate is known on or before {on}.")


@dataclass(frozen=True, slots=True)
class RatesIngested:
    rates: int
    inserted: int
    duplicates: int


def ingest_ecb_rates(session: Session, source: bytes | BinaryIO) -> RatesIngested:
    """Store the ECB's rates (EUR base) once each; re-ingesting a file adds nothing."""
    seen = inserted = 0
    batch: list[dict[str, object]] = []
    for rate in parse_ecb_rates(source):
        seen += 1
        batch.append({"id": uuid.uuid4(), "source": ECB, "base_currency": "EUR",
                      "quote_currency": rate.currency, "rate_date": rate.rate_date,
                      "rate": rate.rate})
        if len(batch) >= BATCH:
            inserted += repository.insert_rates(session, batch)
            batch = []
    inserted += repository.insert_rates(session, batch)
    return RatesIngested(seen, inserted, seen - inserted)


@dataclass(frozen=True, slots=True)
class CrossRate:
    base: str
    quote: str
    rate: Decimal  # units of quote per one base
    rate_date: date
    source: str


def reference_rate(session: Session, base: str, quote: str, on: date) -> CrossRate:
    """Mid rate base→quote, crossed through the euro as the ECB publishes it."""
    validate_currency(base)
    validate_currency(quote)
    if base == quote:
        return CrossRate(base, quote, Decimal(1), on, ECB)

    def per_euro(currency: str) -> tuple[Decimal, date]:
        if currency == "EUR":
            return Decimal(1), on
        found = repository.latest_rate(session, "EUR", currency, on)
        if found is None:
            raise RateUnavailable(base=base, quote=quote, on=on.isoformat())
        return found.rate, found.rate_date

    base_rate, base_date = per_euro(base)
    quote_rate, quote_date = per_euro(quote)
    return CrossRate(base, quote, (quote_rate / base_rate).quantize(RATE_PLACES), min(base_date, quote_date),
                     ECB)
