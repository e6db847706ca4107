"""Insights API: the seller's insights (sales trend, cash cycle, stock cover, restock before peaks),
upcoming deductions from their payouts, and their reminders (list, mark read). Sellers read their own;
platform staff name a seller for insights and deductions (audited)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.http import Paging, database_session
from fourflow.core.i18n import translate
from fourflow.core.pagination import PageOut
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.insights import service
from fourflow.insights.models import SellerReminder
from fourflow.insights.schemas import (
    CashCycleOut,
    DeductionTotalsOut,
    ExpectedPayoutOut,
    InsightsOut,
    LoanDeductionOut,
    MonthSalesOut,
    ReadAllOut,
    ReminderOut,
    RestockOut,
    SalesTrendOut,
    StockCoverOut,
    UpcomingDeductionsOut,
)

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])
Db = Annotated[Session, Depends(database_session, scope="function")]
TradeReader = Annotated[Principal, Depends(require(Permission.READ_TRADE_DATA))]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
SellerQuery = Annotated[uuid.UUID | None, Query(description="Platform staff: the seller to show")]


def insights_out(found: service.SellerInsights) -> InsightsOut:
    trend, cycle = found.sales, found.cash_cycle
    return InsightsOut(
        seller_id=found.seller_organisation_id, version=found.version, today=found.today,
        data_as_of=found.as_of,
        sales_trend=SalesTrendOut(
            currency=trend.currency, months=[MonthSalesOut(month=m.month.strftime("%Y-%m"), amount=m.amount)
                                             for m in trend.months],
            last_three_months=trend.recent, three_months_before=trend.earlier,
            change_percent=trend.change_percent, direction=trend.direction,
            other_currencies=trend.other_currencies),
        cash_cycle=CashCycleOut(
            days_inventory_outstanding=cycle.days_inventory, days_to_payout=cycle.days_to_payout,
            days_payable=cycle.days_payable, cash_conversion_cycle_days=cycle.cycle_days,
            inventory_value=cycle.inventory_value, daily_cost_of_sales=cycle.daily_cost_of_sales.quantize(
                Decimal("0.01")), cost_currency=cycle.cost_currency,
            sale_lines_measured=cycle.sale_lines, basis=cycle.basis),
        stock=[StockCoverOut(sku=c.sku, available_units=c.available, units_sold=c.units_sold,
                             daily_units=c.daily_units_shown, cover_days=c.cover_days,
                             runs_out_on=c.runs_out_on,
                             lead_time_days=c.lead_time.days, lead_time_source=c.lead_time.source,
                             reorder_now=c.reorder_now) for c in found.stock],
        restock=[RestockOut(sku=a.sku, peak=a.peak.code, peak_name=translate(a.peak.name),
                            peak_starts_on=a.peak.starts_on, peak_ends_on=a.peak.ends_on, order_by=a.order_by,
                            units=a.units, stock_at_peak=a.stock_at_peak, peak_demand=a.peak_demand,
                            reason=restock_reason(a)) for a in found.restock],
        inputs=found.inputs)


def restock_reason(advice: service.RestockAdvice) -> str:
    params = advice.params()
    return translate(advice.message, None, **params, peak=translate(advice.peak.name))


def deductions_out(seller_id: uuid.UUID, found: service.UpcomingDeductions) -> UpcomingDeductionsOut:
    return UpcomingDeductionsOut(
        seller_id=seller_id, version=found.version, today=found.today, horizon_days=found.horizon_days,
        payouts=[ExpectedPayoutOut(
            marketplace=row.payout.marketplace, expected_on=row.payout.expected_on,
            amount=row.payout.amount.amount, currency=row.payout.amount.currency,
            cadence_days=row.payout.cadence_days,
            deductions=[LoanDeductionOut(loan_id=line.loan_id, amount=line.amount.amount)
                        for line in row.deductions],
            deducted=row.deducted.amount, to_wallet=row.to_wallet.amount) for row in found.rows],
        totals=[DeductionTotalsOut(currency=t.currency, payouts=t.payouts.amount, deducted=t.deducted.amount,
                                   to_wallet=t.to_wallet.amount) for t in found.totals],
        by_loan={str(loan_id): amount.amount for loan_id, amount in found.by_loan.items()},
        inputs=found.inputs)


def reminder_out(row: SellerReminder) -> ReminderOut:
    title, body = service.texts(row)
    return ReminderOut(id=row.id, kind=row.kind, title=title, body=body, act_by=row.act_by,
                       loan_id=row.loan_id,
                       sku=row.sku, version=row.version, created_at=row.created_at, emailed_at=row.emailed_at,
                       read_at=row.read_at)


@router.get("", response_model=InsightsOut)
def get_insights(session: Db, principal: TradeReader, seller_id: SellerQuery = None) -> InsightsOut:
    """Sales trend, cash-conversion cycle, stock cover per SKU and what to order before the coming
    peak seasons, from the seller's own data, with the inputs and version used."""
    seller = service.insights_target(session, principal, seller_id)
    return insights_out(service.seller_insights(session, seller, get_clock().now().date()))


@router.get("/upcoming-deductions", response_model=UpcomingDeductionsOut)
def get_upcoming_deductions(session: Db, principal: Reader, seller_id: SellerQuery = None,
                            days: Annotated[int, Query(ge=1, le=90, description="How far ahead")] = 30
                            ) -> UpcomingDeductionsOut:
    """The payouts expected in the coming days and the share of each the active loans will take."""
    seller = service.insights_target(session, principal, seller_id)
    found = service.upcoming_deductions(session, seller, get_clock().now().date(), days)
    return deductions_out(seller, found)


@router.get("/reminders", response_model=PageOut[ReminderOut])
def list_reminders(session: Db, principal: TradeReader, paging: Paging,
                   unread: Annotated[bool, Query(description="Only the ones not read yet")] = False
                   ) -> PageOut[ReminderOut]:
    """The caller's organisation's reminders, newest first."""
    page = service.list_reminders(session, principal.organisation_id, paging, unread_only=unread)
    return PageOut.of(page.map(reminder_out))


@router.post("/reminders/read-all", response_model=ReadAllOut)
def read_all(session: Db, principal: TradeReader) -> ReadAllOut:
    return ReadAllOut(marked_read=service.mark_all_read(session, principal))


@router.post("/reminders/{reminder_id}/read", response_model=ReminderOut)
def read_reminder(session: Db, principal: TradeReader, reminder_id: uuid.UUID) -> ReminderOut:
    """Mark a reminder read; again: unchanged. Another organisation's reminder answers 404."""
    return reminder_out(service.mark_read(session, principal, reminder_id))
