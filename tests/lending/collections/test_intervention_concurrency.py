"""Concurrent confirmations of one early-recall alert, and concurrent accruals of one loan with the
funder's share, on a committed database (not the rolled-back test transaction): each happens once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.lending.collections import service
from fourflow.lending.loans import service as loans
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.lending.collections.conftest import alert_proposing, disbursed_loan
from tests.lending.loans.conftest import CONTEXT, NOW, books

THREADS = 6


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, FrozenClock]]:
    clock = FrozenClock(NOW)
    previous = set_clock(clock)
    url = fresh_database(f"fourflow_interventions_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
    yield database, clock
    database.engine.dispose()
    set_clock(previous)


def _count(database: Database, sql: str, **params: object) -> int:
    with database.unit_of_work() as session:
        return int(session.execute(text(sql), params).scalar_one())


def test_an_alert_confirmed_from_many_threads_recalls_the_loan_once(
        committed: tuple[Database, FrozenClock]) -> None:
    """Ten days of interest are accrued once by the recall: 10,000 × 0.12 × 10 ÷ 365 = 32.88."""
    database, clock = committed
    clock.set(NOW)
    with database.unit_of_work() as session:
        loan_id = disbursed_loan(session, key="recall-race").id
    clock.set(NOW + timedelta(days=10))
    with database.unit_of_work() as session:
        alert_id = alert_proposing(session, loan_id, "early_recall", date(2026, 10, 25)).id

    def confirm(index: int) -> uuid.UUID:
        with database.unit_of_work() as session:
            return service.decide_alert(session, CONTEXT, alert_id, True, f"officer {index}",
                                        decided_by_user_id=None).id

    try:
        results, failures = run_together(confirm, THREADS)
    finally:
        clock.set(NOW)
    assert results == [alert_id]
    assert [type(failure).__name__ for failure in failures] == ["AlertAlreadyDecided"] * (THREADS - 1)
    assert _count(database, "SELECT count(*) FROM lending_loan_recalls WHERE loan_id = :l", l=loan_id) == 1
    assert _count(database, "SELECT count(*) FROM lending_loan_instalments WHERE loan_id = :l",
                  l=loan_id) == 1
    assert _count(database, "SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE :k",
                  k=f"lending:loan:{loan_id}:interest:%") == 10
    assert _count(database, "SELECT count(*) FROM procrastinate_jobs WHERE args->>'recall_id' IS NOT NULL "
                  "AND task_name = 'lending:send_recall_notice'") == 1
    with database.unit_of_work() as session:
        loan = loans.get_loan(session, loan_id, None)
        assert (books(session, loan).interest, loan.maturity_on) == (Decimal("32.88"), date(2026, 10, 25))


def test_a_loan_accrued_from_many_threads_splits_its_interest_once(
        committed: tuple[Database, FrozenClock]) -> None:
    """Thirty days: 98.63 of interest (10,000 × 0.12 × 30 ÷ 365 = 98.630…); the funder's 80 % is
    round(78.904) = 78.90, the platform's 19.73 — however many runs race for the same days."""
    database, clock = committed
    clock.set(NOW)
    with database.unit_of_work() as session:
        loan_id = disbursed_loan(session, slug="silkroad-home", key="accrual-race").id
        funder_before = books(session, loans.get_loan(session, loan_id, None)).funder_income
    clock.set(NOW + timedelta(days=40))

    def accrue(_index: int) -> Decimal:
        with database.unit_of_work() as session:
            return loans.accrue_interest(session, CONTEXT, loan_id, date(2026, 11, 20)).amount

    try:
        results, failures = run_together(accrue, THREADS)
    finally:
        clock.set(NOW)
    assert failures == []
    assert sorted(results) == [Decimal("0.00")] * (THREADS - 1) + [Decimal("98.63")]
    assert _count(database, "SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE :k",
                  k=f"lending:loan:{loan_id}:interest:%") == 30
    with database.unit_of_work() as session:
        loan = loans.get_loan(session, loan_id, None)
        assert (loan.interest_accrued_amount, loan.funder_interest_amount) == (
            Decimal("98.63"), Decimal("78.90"))
        assert books(session, loan).funder_income - funder_before == Decimal("78.90")
