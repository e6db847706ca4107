"""Days past due and buckets, hand-computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fourflow.lending.collections.service import Bucket, Due, bucket_of, delinquency

D = Decimal
# Three monthly instalments of 1,010.00 (equal principal 1,000.00 + interest 10.00).
PLAN = [Due(date(2026, 1, 31), D("1010.00")), Due(date(2026, 3, 2), D("1010.00")),
        Due(date(2026, 4, 1), D("1010.00"))]


@pytest.mark.parametrize(("days", "bucket"), [
    (0, Bucket.CURRENT), (1, Bucket.DPD_1_30), (30, Bucket.DPD_1_30), (31, Bucket.DPD_31_60),
    (60, Bucket.DPD_31_60), (61, Bucket.DPD_61_90), (90, Bucket.DPD_61_90), (91, Bucket.DPD_90_PLUS),
    (400, Bucket.DPD_90_PLUS)])
def test_buckets(days: int, bucket: Bucket) -> None:
    assert bucket_of(days) is bucket


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        bucket_of(-1)
    with pytest.raises(ValueError, match="negative"):
        delinquency(PLAN, D("-0.01"), date(2026, 2, 1))


def test_due_today_is_not_past_due_and_the_day_after_is_one() -> None:
    assert delinquency(PLAN, D(0), date(2026, 1, 31)).days_past_due == 0
    late = delinquency(PLAN, D(0), date(2026, 2, 1))
    assert (late.days_past_due, late.bucket, late.overdue_amount, late.oldest_unpaid_due_on) == (
        1, Bucket.DPD_1_30, D("1010.00"), date(2026, 1, 31))


def test_the_oldest_unpaid_instalment_counts() -> None:
    # Nothing paid on 15 March: 31 January is 43 days ago (28 + 15), two instalments overdue.
    late = delinquency(PLAN, D(0), date(2026, 3, 15))
    assert (late.days_past_due, late.bucket, late.overdue_amount) == (43, Bucket.DPD_31_60, D("2020.00"))
    # 1,500.00 paid settles the first and half the second: 2 March is 13 days ago, 520.00 overdue.
    late = delinquency(PLAN, D("1500.00"), date(2026, 3, 15))
    assert (late.days_past_due, late.overdue_amount, late.oldest_unpaid_due_on) == (
        13, D("520.00"), date(2026, 3, 2))
    # A cent short of the first instalment keeps it past due.
    assert delinquency(PLAN, D("1009.99"), date(2026, 3, 15)).days_past_due == 43


def test_paid_up_or_paid_ahead_is_current() -> None:
    assert delinquency(PLAN, D("2020.00"), date(2026, 3, 15)).bucket is Bucket.CURRENT
    ahead = delinquency(PLAN, D("3030.00"), date(2026, 12, 31))
    assert (ahead.days_past_due, ahead.overdue_amount, ahead.oldest_unpaid_due_on) == (0, D(0), None)
    # 31 January → 2 May is 91 days: past 90.
    assert delinquency(PLAN, D(0), date(2026, 5, 2)).bucket is Bucket.DPD_90_PLUS
