"""Days past due (DPD) and buckets: pure functions over the planned schedule and what was repaid.

Repayments settle the schedule oldest instalment first; the oldest instalment not fully settled whose
due day is over gives the days past due. An instalment due today is not past due yet (DPD 0); the day
after its due day it is 1 day past due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fourflow.core.i18n import N_


class Bucket(StrEnum):
    CURRENT = "current"
    DPD_1_30 = "1-30"
    DPD_31_60 = "31-60"
    DPD_61_90 = "61-90"
    DPD_90_PLUS = "90+"


BUCKET_LABELS = {
    Bucket.CURRENT: N_("Current"),
    Bucket.DPD_1_30: N_("1–30 days past due"),
    Bucket.DPD_31_60: N_("31–60 days past due"),
    Bucket.DPD_61_90: N_("61–90 days past due"),
    Bucket.DPD_90_PLUS: N_("More than 90 days past due"),
}


@dataclass(frozen=True, slots=True)
class Due:
    """One planned instalment: its due day and its total (principal + interest + fees)."""

    due_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Delinquency:
    days_past_due: int
    bucket: Bucket
    overdue_amount: Decimal  # planned amounts due before as_of, not repaid
    oldest_unpaid_due_on: date | None  # of an instalment past due


def bucket_of(days_past_due: int) -> Bucket:
    if days_past_due < 0:
        raise ValueError("days past due cannot be negative")
    if days_past_due == 0:
        return Bucket.CURRENT
    if days_past_due <= 30:
        return Bucket.DPD_1_30
    if days_past_due <= 60:
        return Bucket.DPD_31_60
    if days_past_due <= 90:
        return Bucket.DPD_61_90
    return Bucket.DPD_90_PLUS


def delinquency(schedule: Sequence[Due], repaid: Decimal, as_of: date) -> Delinquency:
    """``repaid`` is everything repaid on the loan so far (fees + interest + principal)."""
    if repaid < 0:
        raise ValueError("repaid cannot be negative")
    planned = Decimal(0)
    oldest: date | None = None
    overdue = Decimal(0)
    for due in sorted(schedule, key=lambda row: row.due_on):
        planned += due.amount
        unpaid = min(due.amount, planned - repaid)
        if unpaid > 0 and due.due_on < as_of:
            oldest = due.due_on if oldest is None else oldest
            overdue += unpaid
    days = (as_of - oldest).days if oldest is not None else 0
    return Delinquency(days, bucket_of(days), overdue, oldest)
