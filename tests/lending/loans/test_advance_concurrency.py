"""The daily advance under concurrency, on a committed database: the morning job running in several
workers for one seller and day advances once; one payout delivered by several threads nets once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service
from fourflow.lending.loans.tasks import advance_all
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.lending.advance_helpers import enrolled_seller, settlement, shipped_order
from tests.lending.loans.conftest import CONTEXT, NOW, OTHER_SELLER, seller_id

THREADS = 4
SALES_DAY = date(2026, 10, 15)


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, uuid.UUID, uuid.UUID]]:
    clock = FrozenClock(NOW)
    previous = set_clock(clock)
    url = fresh_database(f"fourflow_advance_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        seller, other = seller_id(session), seller_id(session, OTHER_SELLER)
        # The first seller's orders shipped on the 15th, the other's on the 14th (the job of the 15th,
        # which advances every enrolled seller, leaves the other's for the payout test).
        for enrolled, prefix, day in ((seller, "5", 15), (other, "6", 14)):
            enrolled_seller(session, enrolled)
            shipped = datetime(2026, 10, day, 9, tzinfo=UTC)
            shipped_order(session, enrolled, f"{prefix}001", "1000.00", shipped)
            shipped_order(session, enrolled, f"{prefix}002", "250.00", shipped + timedelta(hours=8))
    clock.advance(timedelta(days=1))
    yield database, seller, other
    database.engine.dispose()
    set_clock(previous)


def _count(database: Database, sql: str, **parameters: object) -> int:
    with database.unit_of_work() as session:
        return int(session.execute(text(sql), parameters).scalar_one())


def test_the_job_in_many_workers_advances_a_seller_once_a_day(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """80 % of 1,250.00 = 1,000.00, fee 1.00: one advance, one entry, whichever worker wins."""
    database, seller, _other = committed

    def run(index: int) -> object:
        if index % 2 == 0:
            return advance_all(database, SALES_DAY)[seller]
        with database.unit_of_work() as session:
            return service.advance_day(session, CONTEXT, seller, SALES_DAY).reason

    results, failures = run_together(run, THREADS)
    assert failures == []
    assert sorted(map(str, results)) == ["advanced"] + ["already_advanced"] * (THREADS - 1)
    assert _count(database, "SELECT count(*) FROM ledger_entries WHERE idempotency_key = :key",
                  key=f"lending:daily-advance:{seller}:2026-10-15") == 1
    assert _count(database, "SELECT count(*) FROM lending_daily_advances WHERE seller_organisation_id = :s",
                  s=seller) == 1
    with database.unit_of_work() as session:
        advance = session.execute(text(
            "SELECT principal_amount, fee_amount, orders_count FROM lending_daily_advances "
            "WHERE seller_organisation_id = :s"), {"s": seller}).one()
        assert tuple(advance) == (Decimal("1000.0000"), Decimal("1.0000"), 2)
        assert ledger.check_invariants(session).hold


def test_one_payout_delivered_by_many_threads_nets_the_advance_once(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    database, _first, seller = committed
    with database.unit_of_work() as session:
        assert service.advance_day(session, CONTEXT, seller, date(2026, 10, 14)).reason == "advanced"
    with database.unit_of_work() as session:
        settlement(session, seller, "CONC-1", {"6001": "1000.00", "6002": "250.00"},
                   datetime(2026, 10, 16, 6, tzinfo=UTC))

    def apply(_index: int) -> bool:
        with database.unit_of_work() as session:
            return service.apply_payout(session, CONTEXT, seller, Decimal("1001.00"), "USD", "CONC-1").created

    results, failures = run_together(apply, THREADS)
    assert failures == []
    assert sorted(results, key=str) == [False] * (THREADS - 1) + [True]
    # 1,001.00 nets the fee 1.00 and the principal 1,000.00: exactly the advance, nothing left.
    assert _count(database, "SELECT count(*) FROM lending_daily_advance_nettings "
                            "WHERE seller_organisation_id = :s", s=seller) == 1
    with database.unit_of_work() as session:
        status, repaid = session.execute(text(
            "SELECT status, principal_repaid_amount + fee_repaid_amount FROM lending_daily_advances "
            "WHERE seller_organisation_id = :s"), {"s": seller}).one()
        assert (status, repaid) == ("netted", Decimal("1001.0000"))
        assert ledger.check_invariants(session).hold
