"""A seller's insights, read from their own trade data (``analytics`` has the definitions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fourflow.core.months import add_months
from fourflow.insights.peaks import PEAKS_VERSION, Peak, upcoming_peaks
from fourflow.insights.service import analytics
from fourflow.insights.service.analytics import (
    INSIGHTS_VERSION,
    CashCycle,
    RestockAdvice,
    SalesTrend,
    SkuStock,
    StockCover,
)
from fourflow.tradedata.service import insight_inputs as trade


@dataclass(frozen=True, slots=True)
class SellerInsights:
    seller_organisation_id: uuid.UUID
    version: str
    today: date
    as_of: date | None  # the day the seller's data ends (None: no data at all)
    sales: SalesTrend
    cash_cycle: CashCycle
    stock: list[StockCover]
    restock: list[RestockAdvice]
    peaks: list[Peak]
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.as_of is not None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _stock(rows: list[trade.StockRow]) -> list[SkuStock]:
    """One line per SKU over its warehouses; the unit cost of its newest costed snapshot."""
    by_sku: dict[str, list[trade.StockRow]] = {}
    for row in rows:
        by_sku.setdefault(row.sku, []).append(row)
    stock: list[SkuStock] = []
    for sku, held in sorted(by_sku.items()):
        costed = sorted((row for row in held if row.unit_cost is not None),
                        key=lambda row: (row.snapshot_date, row.warehouse), reverse=True)
        stock.append(SkuStock(
            sku, sum(max(row.on_hand - row.locked, 0) for row in held),
            costed[0].unit_cost if costed else None, costed[0].unit_cost_currency if costed else None,
            max(row.snapshot_date for row in held)))
    return stock


def whole_months(as_of: date, count: int) -> list[date]:
    """The first days of the ``count`` whole months up to ``as_of`` (its own month counts when
    ``as_of`` is its last day)."""
    month = as_of.replace(day=1)
    last = month if (as_of + timedelta(days=1)).day == 1 else add_months(month, -1)
    return [add_months(last, offset) for offset in range(-count + 1, 1)]


def seller_insights(session: Session, seller_organisation_id: uuid.UUID, today: date) -> SellerInsights:
    latest = trade.latest_trade_day(session, seller_organisation_id)
    as_of = min(latest, today) if latest is not None else today
    end = _start_of(as_of + timedelta(days=1))
    sold = trade.units_sold(session, seller_organisation_id,
                            end - timedelta(days=analytics.VELOCITY_WINDOW_DAYS), end)
    sold_for_costs = trade.units_sold(session, seller_organisation_id,
                                      end - timedelta(days=analytics.COGS_WINDOW_DAYS), end)
    stock = _stock(trade.stock_on(session, seller_organisation_id, as_of))
    shipments = trade.inbound_shipments(session, seller_organisation_id,
                                        end - timedelta(days=analytics.LEAD_TIME_WINDOW_DAYS), end)
    per_sku, seller_lead = analytics.lead_times((row.sku, row.booked_at, row.arrived_at) for row in shipments)
    covers = analytics.stock_cover(stock, sold, as_of, per_sku, seller_lead)
    payout_days, sale_lines = trade.sale_to_payout_days(
        session, seller_organisation_id, end - timedelta(days=analytics.PAYOUT_WINDOW_DAYS), end)
    months = whole_months(as_of, analytics.TREND_MONTHS)
    monthly = [(month, trade.sales_by_currency(session, seller_organisation_id, _start_of(month),
                                               _start_of(add_months(month, 1)))) for month in months]
    marketplaces = trade.marketplaces(session, seller_organisation_id)
    peaks = upcoming_peaks(marketplaces, today, analytics.PEAK_HORIZON_DAYS)
    restock = sorted((advice for cover in covers for peak in peaks
                      if (advice := analytics.restock_advice(cover, peak, as_of)) is not None),
                     key=lambda advice: (advice.order_by, advice.sku, advice.peak.code))
    inputs = {
        "today": today.isoformat(), "data_until": latest.isoformat() if latest else None,
        "marketplaces": marketplaces, "velocity_window_days": analytics.VELOCITY_WINDOW_DAYS,
        "cost_of_sales_window_days": analytics.COGS_WINDOW_DAYS,
        "payout_window_days": analytics.PAYOUT_WINDOW_DAYS,
        "lead_time_window_days": analytics.LEAD_TIME_WINDOW_DAYS,
        "default_lead_time_days": analytics.DEFAULT_LEAD_TIME_DAYS, "safety_days": analytics.SAFETY_DAYS,
        "supplier_payment_days": analytics.SUPPLIER_PAYMENT_DAYS, "shipments": len(seller_lead),
        "skus_in_stock": len(stock), "peaks": PEAKS_VERSION,
    }
    cycle = analytics.cash_cycle(stock, sold_for_costs, payout_days, sale_lines)
    return SellerInsights(seller_organisation_id, INSIGHTS_VERSION, today, as_of if latest else None,
                          analytics.sales_trend(monthly), cycle, covers, restock, peaks, inputs)
