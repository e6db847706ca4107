"""Insights API shapes. Amounts travel as decimal strings in their currency's minor units; days as
decimals to a tenth; reminders' texts in the reader's language."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class MonthSalesOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    amount: Decimal


class SalesTrendOut(BaseModel):
    currency: str | None = Field(description="The seller's main sales currency (most sold in)")
    months: list[MonthSalesOut]
    last_three_months: Decimal
    three_months_before: Decimal
    change_percent: Decimal | None
    direction: str = Field(description="growing, shrinking, steady, new or none")
    other_currencies: list[str] = Field(description="Sold in too, left out of the trend")


class CashCycleOut(BaseModel):
    days_inventory_outstanding: Decimal | None
    days_to_payout: Decimal | None
    days_payable: Decimal = Field(description="Supplier terms are not in trade data: configured")
    cash_conversion_cycle_days: Decimal | None
    inventory_value: Decimal
    daily_cost_of_sales: Decimal
    cost_currency: str | None
    sale_lines_measured: int
    basis: str = Field(description="cost (stock at cost) or units (no unit costs known)")


class StockCoverOut(BaseModel):
    sku: str
    available_units: int
    units_sold: int = Field(description="In the velocity window")
    daily_units: Decimal
    cover_days: Decimal | None
    runs_out_on: date | None
    lead_time_days: int
    lead_time_source: str = Field(description="shipments (of this SKU), seller or default")
    reorder_now: bool


class RestockOut(BaseModel):
    sku: str
    peak: str
    peak_name: str
    peak_starts_on: date
    peak_ends_on: date
    order_by: date
    units: int
    stock_at_peak: int
    peak_demand: int
    reason: str


class InsightsOut(BaseModel):
    seller_id: uuid.UUID
    version: str
    today: date
    data_as_of: date | None
    sales_trend: SalesTrendOut
    cash_cycle: CashCycleOut
    stock: list[StockCoverOut]
    restock: list[RestockOut]
    inputs: dict[str, Any]


class LoanDeductionOut(BaseModel):
    loan_id: uuid.UUID
    amount: Decimal


class ExpectedPayoutOut(BaseModel):
    marketplace: str
    expected_on: date
    amount: Decimal
    currency: str
    cadence_days: int
    deductions: list[LoanDeductionOut]
    deducted: Decimal
    to_wallet: Decimal


class DeductionTotalsOut(BaseModel):
    currency: str
    payouts: Decimal
    deducted: Decimal
    to_wallet: Decimal


class UpcomingDeductionsOut(BaseModel):
    seller_id: uuid.UUID
    version: str
    today: date
    horizon_days: int
    payouts: list[ExpectedPayoutOut]
    totals: list[DeductionTotalsOut]
    by_loan: dict[str, Decimal]
    inputs: dict[str, Any]


class ReminderOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="repayment_due or restock_before_peak")
    title: str
    body: str
    act_by: date
    loan_id: uuid.UUID | None
    sku: str | None
    version: str
    created_at: datetime
    emailed_at: datetime | None
    read_at: datetime | None


class ReadAllOut(BaseModel):
    marked_read: int
