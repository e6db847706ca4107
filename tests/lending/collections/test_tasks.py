"""The daily jobs' bodies: each active loan in its own transaction, safe to run again."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.database import Database
from fourflow.lending.collections.tasks import collect_all, monitor_all
from tests.lending.collections.conftest import disbursed_loan


def test_the_daily_runs_are_idempotent(database: Database, demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    demo.flush()
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # 6 days past due
    assert collect_all(database, date(2026, 11, 20)) == 1  # the reminder
    assert collect_all(database, date(2026, 11, 20)) == 0
    assert monitor_all(database, date(2026, 11, 20)) == 1  # collections below the forecast
    assert monitor_all(database, date(2026, 11, 20)) == 0
    actions = demo.execute(text("SELECT action, days_past_due FROM lending_collection_actions "
                                "WHERE loan_id = :l"), {"l": loan.id}).all()
    assert [tuple(row) for row in actions] == [("reminder", 6)]
