"""Concurrent draws on one line, on a committed database (not the rolled-back test transaction): the
line row is locked first, so together they never exceed the limit, and one key draws once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.ledger import service as ledger
from fourflow.lending.lines import service as lines
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.lending.conditions_helpers import sign_contract
from tests.lending.lines.conftest import open_line
from tests.lending.loans.conftest import CONTEXT, NOW, OTHER_SELLER, seller_id

THREADS = 6
D = Decimal


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, uuid.UUID, uuid.UUID]]:
    previous = set_clock(FrozenClock(NOW))
    url = fresh_database(f"fourflow_lines_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        seller, other = seller_id(session), seller_id(session, OTHER_SELLER)
    yield database, seller, other
    database.engine.dispose()
    set_clock(previous)


def _signed_line(database: Database, seller: uuid.UUID, amount: str) -> uuid.UUID:
    with database.unit_of_work() as session:
        line = open_line(session, seller, amount=amount)
        sign_contract(session, line.offer_id)
        return line.id


def _count(database: Database, query: str, **params: object) -> int:
    with database.unit_of_work() as session:
        return int(session.execute(text(query), params).scalar_one())


def test_many_threads_drawing_at_once_never_exceed_the_limit(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """A line of 10,000.00; six threads each draw 3,000.00 under their own key: three fit
    (9,000.00), the other three are refused over what is available (1,000.00 left)."""
    database, seller, _other = committed
    line_id = _signed_line(database, seller, "10000.00")

    def draw(index: int) -> uuid.UUID:
        with database.unit_of_work() as session:
            return lines.draw(session, CONTEXT, line_id, D("3000.00"), f"thread-{index}",
                              seller_organisation_id=seller, requested_by_user_id=None).draw.id

    results, failures = run_together(draw, THREADS)
    assert len(set(results)) == 3
    assert [getattr(failure, "code", repr(failure)) for failure in failures] == ["draw_exceeds_available"] * 3
    assert {str(getattr(failure, "params", {}).get("available")) for failure in failures} == {"1000.00 USD"}
    with database.unit_of_work() as session:
        line = lines.get_line(session, line_id, None)
        figures = lines.figures(session, line)
        assert (figures.drawn.amount, figures.available.amount) == (D("9000.00"), D("1000.00"))
        assert [loan.status for _row, loan in lines.draws(session, line)] == ["active"] * 3
        assert ledger.check_invariants(session).hold
    # One disbursement entry per draw that fitted, none for the refused.
    assert _count(database, "SELECT count(*) FROM ledger_entries e JOIN lending_credit_line_draws d "
                            "ON e.idempotency_key = 'lending:loan:' || d.loan_id || :suffix "
                            "WHERE d.line_id = :line", line=line_id, suffix=":disbursement") == 3


def test_one_key_drawn_from_many_threads_is_one_draw_and_one_payment(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    database, _seller, seller = committed
    line_id = _signed_line(database, seller, "5000.00")

    def draw(_index: int) -> tuple[uuid.UUID, bool]:
        with database.unit_of_work() as session:
            drawn = lines.draw(session, CONTEXT, line_id, D("1200.00"), "the-same-key",
                               seller_organisation_id=seller, requested_by_user_id=None)
            return drawn.draw.id, drawn.created

    results, failures = run_together(draw, THREADS)
    assert failures == []
    assert len({draw_id for draw_id, _created in results}) == 1  # type: ignore[misc]
    assert sorted(created for _id, created in results) == [False] * (THREADS - 1) + [True]  # type: ignore[misc]
    assert _count(database, "SELECT count(*) FROM lending_credit_line_draws WHERE line_id = :line",
                  line=line_id) == 1
    with database.unit_of_work() as session:
        line = lines.get_line(session, line_id, None)
        ((_row, loan),) = lines.draws(session, line)
        assert (loan.status, lines.figures(session, line).available.amount) == ("active", D("3800.00"))
        assert _count(database, "SELECT count(*) FROM ledger_entries WHERE idempotency_key = :key",
                      key=f"lending:loan:{loan.id}:disbursement") == 1
        assert ledger.check_invariants(session).hold
