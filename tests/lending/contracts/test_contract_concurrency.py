"""Concurrent signings of one contract with the same valid code, on a committed database (not the
rolled-back test transaction): the row lock lets exactly one of them sign (and the platform
countersign); the others find the contract signed and are refused, adding nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import text

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database, make_engine
from fourflow.demo_data import DEMO_PASSWORD, load_demo_data
from fourflow.identity import service as identity
from fourflow.lending.applications import service as applications
from fourflow.lending.contracts.errors import ContractAlreadySigned
from fourflow.lending.contracts.service import contracts, pki
from tests.conftest import TEST_SECRET_KEY, _worker_suffix, fresh_database, make_test_settings
from tests.helpers import organisation_id, run_together
from tests.lending.applications.conftest import APPROVED_SELLER, NOW, prepare_world

THREADS = 4
OWNER = f"owner@{APPROVED_SELLER}.demo"


@pytest.fixture(scope="module")
def committed() -> Iterator[tuple[Database, uuid.UUID, contracts.Signer]]:
    """A committed database with an accepted offer's contract, and its seller's signed-in owner."""
    previous = set_clock(FrozenClock(NOW))
    url = fresh_database(f"fourflow_contract_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=THREADS + 2, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session, with_operations=False)
        prepare_world(session)
        pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
        seller = uuid.UUID(organisation_id(session, APPROVED_SELLER))
        system = AuditContext.system()
        fields = applications.ApplicationFields(product="receivables_financing", amount=Decimal("5000.00"),
                                                currency="USD")
        application = applications.create(session, system, seller, fields, created_by_user_id=None)
        offer = applications.submit(session, system, application.id, seller, idempotency_key=None,
                                    requested_by_user_id=None).offer
        assert offer is not None
        applications.accept_offer(session, AuditContext.system(), offer.id, seller, accepted_by_user_id=None)
        contract, _created = contracts.contract_for_offer(session, AuditContext.system(), offer.id, "en",
                                                          seller_organisation_id=seller)
        signed_in = identity.sign_in(session, make_test_settings(), email=OWNER, password=DEMO_PASSWORD,
                                     ip_address=None, user_agent=None, request_id=None)
        assert signed_in.user is not None
        user = signed_in.user
        session_id = session.execute(text("SELECT id FROM user_sessions WHERE user_id = :user"),
                                     {"user": user.id}).scalar_one()
        signer = contracts.Signer(seller, APPROVED_SELLER, user.id, session_id, user.display_name, user.email,
                                  "en")
        contract_id = contract.id
    yield database, contract_id, signer
    database.engine.dispose()
    set_clock(previous)


def test_one_seller_signature_for_the_same_code_signed_at_once(
        committed: tuple[Database, uuid.UUID, contracts.Signer]) -> None:
    database, contract_id, signer = committed
    with database.unit_of_work() as session:
        code = contracts.request_signing_code(session, AuditContext.system(), contract_id, signer,
                                              secret=TEST_SECRET_KEY)
        value = contracts.signing_code_for(TEST_SECRET_KEY, code.id)

    def sign(_index: int) -> str:
        with database.unit_of_work() as session:
            return contracts.sign(session, AuditContext.system(), contract_id, signer, value,
                                  secret=TEST_SECRET_KEY).signed_sha256 or ""

    results, failures = run_together(sign, THREADS)
    assert len(results) == 1
    assert len(failures) == THREADS - 1
    assert all(isinstance(failure, ContractAlreadySigned) for failure in failures)
    with database.unit_of_work() as session:
        contract = session.execute(text(
            "SELECT contract_number, status, signed_sha256, encode(sha256(pdf), 'hex') AS digest "
            "FROM lending_contracts WHERE id = :id"), {"id": contract_id}).one()
        assert (contract.status, contract.signed_sha256, contract.digest) == (
            "signed", results[0], results[0])
        signatures = session.execute(text(
            "SELECT after ->> 'field' FROM audit_events WHERE action = 'contracts.signed' "
            "AND subject_id = :number ORDER BY sequence"),
            {"number": contract.contract_number}).scalars().all()
        assert signatures == ["Seller", "Platform"]
        used = session.execute(text(
            "SELECT count(*) FROM lending_contract_signing_codes "
            "WHERE contract_id = :id AND used_at IS NOT NULL"),
            {"id": contract_id}).scalar_one()
        assert used == 1


def test_one_contract_for_an_offer_made_at_once(
        committed: tuple[Database, uuid.UUID, contracts.Signer]) -> None:
    database, _contract_id, signer = committed
    seller, system = signer.organisation_id, AuditContext.system()
    with database.unit_of_work() as session:
        fields = applications.ApplicationFields(product="receivables_financing", amount=Decimal("4000.00"),
                                                currency="USD")
        application = applications.create(session, system, seller, fields, created_by_user_id=None)
        offer = applications.submit(session, system, application.id, seller, idempotency_key=None,
                                    requested_by_user_id=None).offer
        assert offer is not None
        applications.accept_offer(session, system, offer.id, seller, accepted_by_user_id=None)
        offer_id = offer.id

    def make(_index: int) -> tuple[uuid.UUID, bool]:
        with database.unit_of_work() as session:
            contract, created = contracts.contract_for_offer(session, system, offer_id, "en",
                                                             seller_organisation_id=seller)
            return contract.id, created

    results, failures = run_together(make, THREADS)
    assert failures == []
    assert len({contract_id for contract_id, _created in cast(list[tuple[uuid.UUID, bool]], results)}) == 1
    assert sorted(created for _id, created in cast(list[tuple[uuid.UUID, bool]], results)) == [
        False] * (THREADS - 1) + [True]
    with database.unit_of_work() as session:
        assert session.execute(text("SELECT count(*) FROM lending_contracts WHERE offer_id = :id"),
                               {"id": offer_id}).scalar_one() == 1
