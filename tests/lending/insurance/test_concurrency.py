"""Every money-moving insurance call raced from many threads on a committed database (not the
rolled-back test transaction): quoting, accepting with cover, disbursing an insured loan (premium),
binding a pending policy, writing off (claim), collecting the claim and paying the premium on each
happen once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.ledger import service as ledger
from fourflow.lending.collections import service as collections
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.insurer import registry
from fourflow.lending.insurance.insurer.simulator import SimulatedInsurer
from fourflow.lending.loans import service as loans
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.lending import conditions_helpers
from tests.lending.insurance.conftest import open_offer
from tests.lending.loans.conftest import CONTEXT, NOW, seller_id

THREADS = 6


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, FrozenClock, SimulatedInsurer]]:
    clock = FrozenClock(NOW)
    previous = set_clock(clock)
    simulator = SimulatedInsurer()
    registry.install(registry.GuardedInsurer(simulator, failure_threshold=1000))
    url = fresh_database(f"fourflow_insurance_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
    yield database, clock, simulator
    database.engine.dispose()
    registry.install(None)
    set_clock(previous)


def _count(database: Database, sql: str, **params: object) -> int:
    with database.unit_of_work() as session:
        return int(session.execute(text(sql), params).scalar_one())


def _entries(database: Database, pattern: str) -> int:
    return _count(database, "SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE :key",
                  key=pattern)


def _accepted(database: Database, covers: list[str]) -> uuid.UUID:
    with database.unit_of_work() as session:
        offer_id = open_offer(session)
        insurance.accept_offer(session, CONTEXT, offer_id, seller_id(session), covers,
                               accepted_by_user_id=None)
        return offer_id


def _booked(database: Database, covers: list[str]) -> uuid.UUID:
    """Booked and its contract signed: the order-financing loan waits for its goods."""
    offer_id = _accepted(database, covers)
    with database.unit_of_work() as session:
        loan_id = conditions_helpers.book(session, offer_id, f"book-{offer_id}").id
        conditions_helpers.sign_contract(session, offer_id)
    return loan_id


def _deliver_goods(database: Database, loan_id: uuid.UUID) -> None:
    """The goods arrive: the tracking file's event meets the last condition and disburses the loan."""
    with database.unit_of_work() as session:
        conditions_helpers.deliver_financed_goods(session, loans.get_loan(session, loan_id, None))


def test_quotes_and_acceptance_from_many_threads(
        committed: tuple[Database, FrozenClock, SimulatedInsurer]) -> None:
    database, _clock, _simulator = committed
    with database.unit_of_work() as session:
        offer_id = open_offer(session)
        seller = seller_id(session)

    def quote(_index: int) -> int:
        with database.unit_of_work() as session:
            return len(insurance.options(session, CONTEXT, offer_id, seller))

    results, failures = run_together(quote, THREADS)
    assert (failures, results) == ([], [2] * THREADS)
    assert _count(database, "SELECT count(*) FROM lending_insurance_quotes WHERE offer_id = :o",
                  o=offer_id) == 2

    def accept(_index: int) -> uuid.UUID:
        with database.unit_of_work() as session:
            return insurance.accept_offer(session, CONTEXT, offer_id, seller, ["credit", "cargo"],
                                          accepted_by_user_id=None).id

    results, failures = run_together(accept, THREADS)
    assert len(results) == 1
    assert [type(failure).__name__ for failure in failures] == ["OfferNotOpen"] * (THREADS - 1)
    assert _count(database, "SELECT count(*) FROM lending_insurance_quotes WHERE offer_id = :o "
                  "AND status = 'chosen'", o=offer_id) == 2


def test_an_insured_loan_disbursed_from_many_threads_charges_the_premium_once(
        committed: tuple[Database, FrozenClock, SimulatedInsurer]) -> None:
    database, _clock, _simulator = committed
    loan_id = _booked(database, ["credit", "cargo"])

    def disburse(_index: int) -> str:  # the carrier's file delivered from many threads at once
        _deliver_goods(database, loan_id)
        with database.unit_of_work() as session:
            return loans.get_loan(session, loan_id, None).status

    results, failures = run_together(disburse, THREADS)
    assert (failures, results) == ([], ["active"] * THREADS)
    assert _count(database, "SELECT count(*) FROM lending_insurance_policies WHERE loan_id = :l",
                  l=loan_id) == 2
    assert _entries(database, "lending:insurance:policy:%:premium") == 2
    with database.unit_of_work() as session:
        loan = loans.get_loan(session, loan_id, None)
        assert loans.balances(session, loan).fees.amount == Decimal("47.36")  # 9.86 + 37.50, once


def test_a_pending_policy_bound_from_many_threads_and_its_premium_paid_on_once(
        committed: tuple[Database, FrozenClock, SimulatedInsurer]) -> None:
    database, _clock, simulator = committed
    loan_id = _booked(database, ["credit"])
    simulator.unreachable = True
    _deliver_goods(database, loan_id)
    simulator.unreachable = False
    with database.unit_of_work() as session:
        (cover,) = insurance.covers_of_loans(session, [loan_id])[loan_id]
        policy_id = cover.policy.id
    key = f"lending:insurance:policy:{policy_id}:premium"

    def bind(_index: int) -> str:
        with database.unit_of_work() as session:
            return insurance.bind_pending(session, CONTEXT, policy_id).status

    results, failures = run_together(bind, THREADS)
    assert (failures, results) == ([], ["active"] * THREADS)
    assert _entries(database, key) == 1

    def remit(_index: int) -> None:
        with database.unit_of_work() as session:
            insurance.remit_premium(session, CONTEXT, policy_id)

    results, failures = run_together(remit, THREADS)
    assert failures == []
    assert _entries(database, f"{key}-remitted") == 1


def test_a_write_off_from_many_threads_claims_once_and_the_claim_is_collected_once(
        committed: tuple[Database, FrozenClock, SimulatedInsurer]) -> None:
    database, clock, _simulator = committed
    loan_id = _booked(database, ["credit"])
    _deliver_goods(database, loan_id)
    clock.set(datetime(2027, 2, 13, 12, tzinfo=UTC))
    try:
        def write_off(_index: int) -> object:
            with database.unit_of_work() as session:
                return collections.write_off(session, CONTEXT, loan_id, "Seller unreachable").principal_amount

        results, failures = run_together(write_off, THREADS)
        assert failures == []
        assert set(results) == {Decimal("1000.00")}  # 10,000.00 − 90 % of it claimed
        with database.unit_of_work() as session:
            (cover,) = insurance.covers_of_loans(session, [loan_id])[loan_id]
            (claim,) = cover.claims
        assert _entries(database, f"lending:insurance:policy:{cover.policy.id}:claim:default") == 1

        clock.set(datetime(2027, 2, 27, 12, tzinfo=UTC))

        def settle(_index: int) -> str:
            with database.unit_of_work() as session:
                return insurance.settle(session, CONTEXT, claim.id).status

        results, failures = run_together(settle, THREADS)
        assert (failures, results) == ([], ["paid"] * THREADS)
        assert _entries(database, f"lending:insurance:claim:{claim.id}:paid") == 1
        with database.unit_of_work() as session:
            assert ledger.check_invariants(session).hold
            assert insurance.get_claim(session, claim.id, None).paid_on == date(2027, 2, 27)
    finally:
        clock.set(NOW)
