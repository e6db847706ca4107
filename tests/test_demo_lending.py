"""The demo world's loans (``make run``): loaded through the real services into every state, the
ledger balanced, and a second load adds nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.core.pagination import PageRequest
from fourflow.demo_data import load_demo_data
from fourflow.demo_lending import DEMO_LOANS, load_demo_loans
from fourflow.lending.applications import service as applications
from fourflow.lending.collections import service as collections
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.risk.service import rule_sets
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY, _worker_suffix, fresh_database
from tests.lending.applications.conftest import register_scorecard

TODAY = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Database, dict[str, int], float]]:
    previous = set_clock(FrozenClock(TODAY))
    url = fresh_database(f"fourflow_demo_lending_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session)
        # The base demo sellers with 24 months of trade (as `make run` loads), and a small scorecard
        # (six months of history or more is grade A) instead of training one: what the loans need.
        load_world(session, sellers=5, months=24, seed=3, secret=TEST_SECRET_KEY)
        register_scorecard(session)
        rule_sets.install_defaults(session)
    with database.unit_of_work() as session:
        started = time.perf_counter()
        created = load_demo_loans(session)
        seconds = time.perf_counter() - started
    yield database, created, seconds
    database.engine.dispose()
    set_clock(previous)


def _loan(session: Session, key: str) -> Loan:
    listed = loans.list_loans(session, None, None, PageRequest(page=1, page_size=50))
    return next(loan for loan in listed.items if loan.booking_key == key)


def test_every_state_is_there(world: tuple[Database, dict[str, int], float]) -> None:
    database, created, seconds = world
    print(f"demo loans loaded in {seconds:.2f} s: {created}")
    assert created["demo_loans"] == len(DEMO_LOANS)
    assert created["demo_payouts"] == 3
    assert created["demo_referrals"] == 1
    assert (created["demo_lines"], created["demo_draws"]) == (1, 2)
    with database.unit_of_work() as session:
        closed = _loan(session, "demo:loan:lumen:closed")
        repaying = _loan(session, "demo:loan:lumen:repaying")
        overdue = _loan(session, "demo:loan:silkroad:overdue")
        awaiting = _loan(session, "demo:loan:bright-toys:awaiting")
        assert [loan.status for loan in (closed, repaying, overdue, awaiting)] == [
            "closed", "active", "active", "awaiting_disbursement"]
        assert loans.balances(session, closed).is_zero()
        assert [row.paid_on.isoformat() for row in loans.repayments(session, repaying)] == [
            "2026-11-05", "2026-11-25"]
        # Borrowed 75 days ago for 30 days, nothing repaid: 45 days past due, in collections.
        late = collections.loan_delinquency(session, overdue)
        assert (late.delinquency.days_past_due, late.delinquency.bucket.value) == (45, "31-60")
        actions = collections.list_actions(session, None, PageRequest(page=1, page_size=20),
                                           loan_id=overdue.id)
        assert {action.action for action in actions.items} >= {"reminder", "call_task"}
        alerts = collections.list_alerts(session, PageRequest(page=1, page_size=20), loan_id=overdue.id)
        assert [(alert.status, alert.proposed_action) for alert in alerts.items] == [
            ("open", "drawdown_hold")]
        # Interest accrued through yesterday on the active loans, the funder's share credited.
        assert overdue.interest_accrued_until is not None
        # Disbursed on 21 September (75 days before 5 December), due 30 days later on 21 October: every
        # day's interest before maturity is accrued.
        assert overdue.interest_accrued_until.isoformat() == "2026-10-21"
        assert overdue.funder_interest_amount > 0
        assert applications.review_queue(session, PageRequest(page=1, page_size=20)).total >= 1
        # The receivables loan's seller is enrolled in the daily advance: the last four days of its
        # newest Shopify payout advanced and netted when it was applied, the last two of its trade data
        # still awaiting theirs.
        enrolment = loans.enrolment_of(session, repaying.seller_organisation_id)
        assert enrolment is not None
        assert (enrolment.loan_id, enrolment.status) == (repaying.id, "enrolled")
        advances = loans.list_advances(session, repaying.seller_organisation_id,
                                       PageRequest(page=1, page_size=20)).items
        assert created["demo_advances"] == len(advances) >= 3
        assert {advance.status for advance in advances} >= {"netted", "outstanding"}
        assert all(advance.principal_amount > 0 and advance.orders_count > 0 for advance in advances)
        # Lumen's credit line of 15,000.00: draws of 5,000.00 and 2,500.00 paid out (nothing due yet),
        # 7,500.00 available.
        (line,) = lines.list_lines(session, None, PageRequest(page=1, page_size=5)).items
        figures = lines.figures(session, line)
        assert (figures.drawn.amount, figures.available.amount) == (Decimal("7500.00"), Decimal("7500.00"))
        assert [(row.amount, loan.status) for row, loan in lines.draws(session, line)] == [
            (Decimal("5000.0000"), "active"), (Decimal("2500.0000"), "active")]
        unbalanced = session.execute(text(
            "SELECT count(*) FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id, currency "
            "HAVING sum(amount) <> 0) AS broken")).scalar_one()
        assert unbalanced == 0


def test_loading_again_adds_nothing(world: tuple[Database, dict[str, int], float]) -> None:
    database, _created, _seconds = world
    tables = ("lending_loans", "lending_credit_lines", "lending_credit_line_draws",
              "lending_applications", "lending_payouts", "ledger_entries",
              "lending_daily_advances", "lending_daily_advance_nettings",
              "lending_collection_actions", "lending_monitoring_alerts", "risk_decisions")

    def counts() -> dict[str, int]:
        with database.unit_of_work() as session:
            return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                    for table in tables}

    before = counts()
    with database.unit_of_work() as session:
        again = load_demo_loans(session)
    assert set(again.values()) == {0}
    assert counts() == before
