"""Concurrent disbursements of one loan (events evaluating its conditions at once, then operations
asking again) and concurrent deliveries of one payout, on a committed database (not the rolled-back
test transaction): each posts exactly once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.audit import service as audit
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service
from fourflow.risk.models import DRAWDOWN_HOLD
from fourflow.risk.service import controls
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import run_together
from tests.lending.conditions_helpers import (
    book,
    disbursed_loan,
    ingest_tracking,
    meet_conditions,
    shipment_for,
    sign_contract,
)
from tests.lending.loans.conftest import CONTEXT, NOW, OTHER_SELLER, accepted_offer, books, seller_id

THREADS = 6


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, uuid.UUID, uuid.UUID]]:
    previous = set_clock(FrozenClock(NOW))
    url = fresh_database(f"fourflow_loans_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        seller, other = seller_id(session), seller_id(session, OTHER_SELLER)
    yield database, seller, other
    database.engine.dispose()
    set_clock(previous)


def _booked(database: Database, seller: uuid.UUID) -> uuid.UUID:
    with database.unit_of_work() as session:
        offer = accepted_offer(session, seller=seller)
        return book(session, offer.id, f"book-{offer.id}").id


def _disbursed(database: Database, seller: uuid.UUID) -> uuid.UUID:
    with database.unit_of_work() as session:
        offer = accepted_offer(session, seller=seller)
        return disbursed_loan(session, offer.id, f"book-{offer.id}").id


def test_one_offer_booked_from_many_threads_is_one_loan(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """The same key: every thread gets the one loan. Other keys: refused, still one loan."""
    database, seller, _other = committed
    with database.unit_of_work() as session:
        offer_id = accepted_offer(session, seller=seller).id
        second_offer_id = accepted_offer(session, seller=seller).id

    def book(offer: uuid.UUID, key: str) -> uuid.UUID:
        with database.unit_of_work() as session:
            return service.book_loan(session, CONTEXT, offer, key).id

    results, failures = run_together(lambda _index: book(offer_id, "same-key"), THREADS)
    assert failures == []
    assert len(set(results)) == 1
    results, failures = run_together(lambda index: book(second_offer_id, f"key-{index}"), THREADS)
    assert len(results) == 1
    assert [type(failure).__name__ for failure in failures] == ["LoanAlreadyBooked"] * (THREADS - 1)
    with database.unit_of_work() as session:
        booked = session.execute(text("SELECT count(*) FROM lending_loans WHERE offer_id IN (:a, :b)"),
                                 {"a": offer_id, "b": second_offer_id}).scalar_one()
    assert booked == 2


def _entries(database: Database, pattern: str) -> int:
    with database.unit_of_work() as session:
        found = session.execute(text("SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE :k"),
                                {"k": pattern}).scalar_one()
        return int(found)


def test_a_loan_whose_conditions_many_threads_evaluate_at_once_is_disbursed_once(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """The contract is signed; then the goods' arrival is delivered by three threads at once (each
    ingest evaluates the conditions) while three more run the daily re-evaluation: one disburses,
    the others find it disbursed or still waiting. Operations asking afterwards change nothing."""
    database, seller, _other = committed
    loan_id = _booked(database, seller)
    with database.unit_of_work() as session:
        loan = service.get_loan(session, loan_id, None)
        sign_contract(session, loan.offer_id)
        tracking_number = shipment_for(loan.offer_id).tracking_number
    with database.unit_of_work() as session:
        assert service.get_loan(session, loan_id, None).status == "awaiting_disbursement"  # goods still due

    def evaluate(index: int) -> str:
        with database.unit_of_work() as session:
            if index % 2 == 0:
                ingest_tracking(session, seller, tracking_number)
            else:
                service.evaluate_loan(session, CONTEXT, loan_id, service.ConditionEvent.PERIODIC)
        with database.unit_of_work() as session:
            return service.get_loan(session, loan_id, None).status

    results, failures = run_together(evaluate, THREADS)
    assert failures == []
    assert results.count("active") >= THREADS // 2  # every ingest has committed the arrival by its return
    assert _entries(database, f"lending:loan:{loan_id}:disbursement") == 1

    def disburse(_index: int) -> str:
        with database.unit_of_work() as session:
            return service.disburse(session, CONTEXT, loan_id).status

    results, failures = run_together(disburse, THREADS)
    assert failures == []
    assert results == ["active"] * THREADS
    assert _entries(database, f"lending:loan:{loan_id}:disbursement") == 1
    with database.unit_of_work() as session:
        loan = service.get_loan(session, loan_id, None)
        assert books(session, loan).principal == Decimal("10000.00")
        assert [(row.method, row.status) for row in service.disbursements(session, loan)] == [
            ("wallet", "completed")]
        assert ledger.check_invariants(session).hold


def test_one_payout_delivered_by_many_threads_is_applied_once(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """A loan of 10,000.00 disbursed today owes 10,000.00 (no day's interest yet): a payout of 4,000.00
    repays 4,000.00 of principal, once. (Another seller than the test above, whose loan is open.)"""
    database, _seller, seller = committed
    loan_id = _disbursed(database, seller)
    with database.unit_of_work() as session:
        wallet_before = books(session, service.get_loan(session, loan_id, None)).wallet

    def apply(_index: int) -> bool:
        with database.unit_of_work() as session:
            applied = service.apply_payout(session, CONTEXT, seller, Decimal("4000.00"), "USD", "SAME-REF")
            return applied.created

    results, failures = run_together(apply, THREADS)
    assert failures == []
    assert sorted(results, key=str) == [False] * (THREADS - 1) + [True]
    assert _entries(database, f"lending:payout:{seller}:SAME-REF:%") == 2  # received, allocated
    with database.unit_of_work() as session:
        loan = service.get_loan(session, loan_id, None)
        after = books(session, loan)
        assert (after.principal, after.wallet - wallet_before) == (Decimal("6000.00"), Decimal("0.00"))
        assert len(service.repayments(session, loan)) == 1
        assert ledger.check_invariants(session).hold
        assert audit.verify_chain(session).intact


def test_the_nightly_job_accrues_each_active_loan_once(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """One day of 10,000.00 at 12 %: 10,000 × 0.12 ÷ 365 = 3.287… = 3.29; run twice, posted once."""
    from datetime import timedelta

    from fourflow.core.clock import get_clock
    from fourflow.lending.loans import tasks

    database, _seller, _other = committed
    with database.unit_of_work() as session:
        toys = seller_id(session, "bright-toys")
    loan_id = _disbursed(database, toys)
    clock = get_clock()
    assert isinstance(clock, FrozenClock)
    clock.set(NOW + timedelta(days=1))
    try:
        assert tasks.accrue_all(database, NOW.date()) >= 1
        assert tasks.accrue_all(database, NOW.date()) == 0
    finally:
        clock.set(NOW)
    assert _entries(database, f"lending:loan:{loan_id}:interest:%") == 1
    with database.unit_of_work() as session:
        assert books(session, service.get_loan(session, loan_id, None)).interest == Decimal("3.29")


def test_a_supplier_payment_followed_by_many_threads_books_the_loan_once(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """An order-financing loan paid to its supplier: once the channel took the payment, six jobs
    following it at once post the fee hold once and book the principal once."""
    from fourflow.ledger.channels.port import ChannelProfile
    from fourflow.ledger.channels.router import PaymentRouter
    from fourflow.ledger.channels.simulator import SimulatedChannel
    from fourflow.ledger.service import payments

    database, _seller, _other = committed
    with database.unit_of_work() as session:
        shop = seller_id(session, "bright-toys")
        offer = accepted_offer(session, seller=shop)
        supplier = service.SupplierPayee("Ningbo Toy Factory", "CN6212260200007654321", "CN")
        loan = meet_conditions(session, book(session, offer.id, f"book-{offer.id}", supplier=supplier))
        assert loan.status == "disbursing"
        loan_id = loan.id
        payment_id = service.disbursements(session, loan)[0].payment_id
    assert payment_id is not None
    router = PaymentRouter([SimulatedChannel(ChannelProfile(
        "lotus-pay", Decimal("2.00"), Decimal(0), 600, frozenset({"USD"}), frozenset({"CN"})))])
    with database.unit_of_work() as session:
        step = payments.next_step(session, router, payment_id, frozenset())
        assert step is not None
    attempt, receipt = payments.perform(router, step)
    with database.unit_of_work() as session:
        assert payments.record_outcome(session, CONTEXT, step, attempt, receipt)

    def follow(_index: int) -> str:
        with database.unit_of_work() as session:
            return service.complete_disbursement(session, CONTEXT, loan_id).status

    results, failures = run_together(follow, THREADS)
    assert failures == []
    assert results == ["active"] * THREADS
    assert _entries(database, f"lending:loan:{loan_id}:disbursement") == 1
    assert _entries(database, f"lending:loan:{loan_id}:disbursement:1:fee:post") == 1
    with database.unit_of_work() as session:
        loan = service.get_loan(session, loan_id, None)
        assert books(session, loan).principal == Decimal("10000.00")
        assert ledger.check_invariants(session).hold


def test_a_disbursement_waits_for_a_drawdown_hold_being_imposed(
        committed: tuple[Database, uuid.UUID, uuid.UUID]) -> None:
    """A risk officer's hold is being imposed (not committed yet) when operations ask to disburse: the
    disbursement waits for it and is refused by it (the loan's unmet conditions would be the reason
    if it had gone ahead on what it read before the hold committed)."""
    database, seller, _other = committed
    loan_id = _booked(database, seller)
    refused: list[str] = []

    def disburse() -> None:
        try:
            with database.unit_of_work() as session:
                service.disburse(session, CONTEXT, loan_id)
        except Exception as failure:  # noqa: BLE001 - the refusal is what the test looks at
            refused.append(type(failure).__name__)

    asking = threading.Thread(target=disburse)
    with database.unit_of_work() as imposing:
        hold = controls.impose(imposing, CONTEXT, seller, DRAWDOWN_HOLD, source_reference=f"test:{loan_id}",
                               reasons=[], imposed_reason="Sales collapsed", imposed_by_user_id=None)
        asking.start()
        asking.join(timeout=1)
        assert asking.is_alive()  # waiting on the seller's drawdown lock
    asking.join(timeout=60)
    try:
        assert refused == ["DrawdownOnHold"]
        with database.unit_of_work() as session:
            assert service.get_loan(session, loan_id, None).status == "awaiting_disbursement"
    finally:
        with database.unit_of_work() as session:
            controls.release(session, CONTEXT, hold.id, "Test over", released_by_user_id=None)
