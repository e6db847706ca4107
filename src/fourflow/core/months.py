"""Calendar months: the first day of a month some months away, and a month's last day."""

from __future__ import annotations

from datetime import date, timedelta


def add_months(day: date, count: int) -> date:
    """The first day of the month ``count`` months after (before, if negative) ``day``'s month."""
    total = day.year * 12 + day.month - 1 + count
    return date(total // 12, total % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return add_months(day, 1) - timedelta(days=1)
