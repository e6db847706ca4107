"""Concurrent submissions of one application on a committed database (not the rolled-back test
transaction): the row lock lets exactly one of them decide and make the offer; retries with the same
Idempotency-Key get that offer, any other submission is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import load_demo_data
from fourflow.lending.applications import service
from fourflow.lending.applications.errors import ApplicationNotDraft
from tests.conftest import _worker_suffix, fresh_database
from tests.helpers import organisation_id, run_together
from tests.lending.applications.conftest import APPROVED_SELLER, NOW, prepare_world

THREADS = 6


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, uuid.UUID]]:
    previous = set_clock(FrozenClock(NOW))
    url = fresh_database(f"fourflow_lending_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        prepare_world(session)
        seller = uuid.UUID(organisation_id(session, APPROVED_SELLER))
    yield database, seller
    database.engine.dispose()
    set_clock(previous)


def _draft(database: Database, seller: uuid.UUID) -> uuid.UUID:
    with database.unit_of_work() as session:
        return service.create(session, AuditContext.system(), seller, service.ApplicationFields(
            product="receivables_financing", amount=Decimal("5000.00"), currency="USD"),
            created_by_user_id=None).id


def _decisions_and_offers(database: Database, application_id: uuid.UUID) -> tuple[int, int]:
    """Every decision stored so far, and the offers on the application."""
    with database.unit_of_work() as session:
        decisions = session.execute(text("SELECT count(*) FROM risk_decisions")).scalar_one()
        offers = session.execute(text("SELECT count(*) FROM lending_offers WHERE application_id = :id"),
                                 {"id": application_id}).scalar_one()
    return int(decisions), int(offers)


def _submit(database: Database, seller: uuid.UUID, application_id: uuid.UUID,
            key: str | None) -> uuid.UUID | None:
    with database.unit_of_work() as session:
        submitted = service.submit(session, AuditContext.system(), application_id, seller,
                                   idempotency_key=key, requested_by_user_id=None)
        return None if submitted.offer is None else submitted.offer.id


def test_one_decision_and_one_offer_for_the_same_key(committed: tuple[Database, uuid.UUID]) -> None:
    database, seller = committed
    application_id = _draft(database, seller)
    decisions_before, _offers = _decisions_and_offers(database, application_id)
    results, failures = run_together(
        lambda _index: _submit(database, seller, application_id, "same-key"), THREADS)
    assert failures == []
    assert len(results) == THREADS
    assert len(set(results)) == 1
    assert None not in results
    assert _decisions_and_offers(database, application_id) == (decisions_before + 1, 1)


def test_without_a_key_one_submission_wins_and_the_rest_are_refused(
        committed: tuple[Database, uuid.UUID]) -> None:
    database, seller = committed
    application_id = _draft(database, seller)
    decisions_before, _offers = _decisions_and_offers(database, application_id)
    results, failures = run_together(
        lambda index: _submit(database, seller, application_id, f"key-{index}"), THREADS)
    assert len(results) == 1
    assert len(failures) == THREADS - 1
    assert all(isinstance(failure, ApplicationNotDraft) for failure in failures)
    assert _decisions_and_offers(database, application_id) == (decisions_before + 1, 1)
