"""Insights services: analytics over the seller's trade (``insights``), upcoming deductions from
their payouts (``deductions``) and reminders (``reminders``)."""

from fourflow.insights.service.access import insights_target
from fourflow.insights.service.analytics import INSIGHTS_VERSION, SAFETY_DAYS, RestockAdvice, StockCover
from fourflow.insights.service.deductions import UpcomingDeductions, expected_payouts, upcoming_deductions
from fourflow.insights.service.insights import SellerInsights, seller_insights
from fourflow.insights.service.reminders import (
    SEND_REMINDER_TASK,
    list_reminders,
    mark_all_read,
    mark_read,
    remind_seller,
    seller_ids,
    send_reminder,
    texts,
    unread_count,
)

__all__ = [
    "INSIGHTS_VERSION", "SAFETY_DAYS",
    "SEND_REMINDER_TASK",
    "RestockAdvice",
    "SellerInsights",
    "StockCover",
    "UpcomingDeductions",
    "expected_payouts",
    "insights_target",
    "list_reminders",
    "mark_all_read",
    "mark_read",
    "remind_seller",
    "seller_ids",
    "seller_insights",
    "send_reminder",
    "texts",
    "unread_count",
    "upcoming_deductions",
]
