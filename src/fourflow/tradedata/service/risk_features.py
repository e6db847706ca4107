"""Trade data the risk engine's feature pipeline reads (F9): one seller's flows aggregated in the
database — monthly settlement sums, monthly orders, payout cadence, delivery and customs outcomes,
reviews, returns, stock — each dated strictly before a cutoff, so a feature as of a day never sees
that day or later. The risk domain decides the windows; this side only answers for them.

Amounts stay in the currency they were posted in; ``reference_rates`` converts them the way
``reference_rate`` does (ECB rates crossed through the euro), for many days in one statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.tradedata import repository
from fourflow.tradedata.repository import (
    FigureCell,
    OrderMonthRow,
    PayoutCadenceRow,
    SettlementMonthRow,
    ShipmentOutcomes,
    TradeActivity,
)
from fourflow.tradedata.service.overview import HOLD_STATUSES
from fourflow.tradedata.service.rates import RATE_PLACES
from fourflow.tradedata.service.risk_inputs import BUSINESS_SALES_CHANNELS

__all__ = [
    "FeatureInputs", "FeatureWindow", "FigureCell", "OrderMonthRow", "PayoutCadenceRow",
    "SettlementMonthRow", "ShipmentOutcomes", "TradeActivity", "feature_inputs", "reference_rates",
]


@dataclass(frozen=True, slots=True)
class FeatureWindow:
    cutoff: datetime            # nothing dated at or after it is read
    since: datetime             # start of the trailing window of event-based features
    recent_since: datetime      # start of its recent part (review trend, payout cadence)
    delivery_promise: timedelta  # a parcel delivered within it of its first scan is on time
    customs_hold: timedelta     # a customs stay longer than it counts as a hold


@dataclass(frozen=True, slots=True)
class FeatureInputs:
    settlement_months: list[SettlementMonthRow]   # every month before the cutoff
    figures: list[FigureCell]                     # stored monthly figures of whole months before it
    order_months: list[OrderMonthRow]             # every month before the cutoff
    payouts: list[PayoutCadenceRow]
    shipments: ShipmentOutcomes
    activity: TradeActivity


def feature_inputs(session: Session, seller_organisation_id: uuid.UUID, window: FeatureWindow, *,
                   settlement_kinds: tuple[str, ...], figure_transformations: tuple[str, ...],
                   figures_before: date) -> FeatureInputs:
    """Everything the features of one seller are computed from, one statement each."""
    cutoff = window.cutoff
    return FeatureInputs(
        settlement_months=repository.monthly_settlement_kinds(session, seller_organisation_id, cutoff,
                                                              settlement_kinds),
        figures=repository.figure_cells(session, seller_organisation_id, figure_transformations,
                                        figures_before),
        order_months=repository.monthly_order_totals(session, seller_organisation_id, cutoff,
                                                     sorted(BUSINESS_SALES_CHANNELS)),
        payouts=repository.payout_cadence(session, seller_organisation_id, cutoff, window.recent_since),
        shipments=repository.shipment_outcomes(session, seller_organisation_id, cutoff, window.since,
                                               promise=window.delivery_promise, hold=window.customs_hold),
        activity=repository.trade_activity(session, seller_organisation_id, cutoff, window.since,
                                           window.recent_since, list(HOLD_STATUSES)))


def reference_rates(session: Session, quote: str, wanted: Collection[tuple[str, date]]
                    ) -> dict[tuple[str, date], Decimal | None]:
    """Units of ``quote`` per one unit of each (currency, day)'s currency, at the newest ECB rate
    on or before the day, crossed through the euro exactly as ``reference_rate`` crosses it;
    None where the ECB publishes no rate for a currency."""
    needed = sorted({(currency, day) for currency, day in wanted if currency != quote}
                    | {(quote, day) for currency, day in wanted if currency != quote})
    per_euro = repository.euro_reference_rates(
        session, [(currency, day) for currency, day in needed if currency != "EUR"])

    def euro(currency: str, day: date) -> Decimal | None:
        return Decimal(1) if currency == "EUR" else per_euro.get((currency, day))

    rates: dict[tuple[str, date], Decimal | None] = {}
    for currency, day in wanted:
        if currency == quote:
            rates[(currency, day)] = Decimal(1)
            continue
        base_rate, quote_rate = euro(currency, day), euro(quote, day)
        rates[(currency, day)] = (None if base_rate is None or quote_rate is None
                                  else (quote_rate / base_rate).quantize(RATE_PLACES))
    return rates
