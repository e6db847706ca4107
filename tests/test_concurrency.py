"""Concurrent transactions on a committed database (not the rolled-back test transaction):
the audit chain stays gap-free and linked, and an invitation is accepted exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from fourflow.audit import service as audit
from fourflow.audit.service import AuditContext
from fourflow.core.database import Database, make_engine
from fourflow.core.errors import FourflowError
from fourflow.demo_data import load_demo_data
from fourflow.identity import service as identity
from fourflow.identity.schemas import InvitationAccept, InvitationCreate
from tests.conftest import _worker_suffix, fresh_database, make_test_settings
from tests.helpers import run_together


@pytest.fixture(scope="module")
def committed() -> Iterator[Database]:
    url = fresh_database(f"fourflow_concurrency_{_worker_suffix()}")
    database = Database(make_engine(url, pool_size=10, max_overflow=0))
    with database.unit_of_work() as session:
        load_demo_data(session)
    yield database
    database.engine.dispose()


def test_concurrent_writers_keep_the_audit_chain_intact(committed: Database) -> None:
    with committed.unit_of_work() as session:
        before = session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()

    def append(index: int) -> None:
        for step in range(5):
            with committed.unit_of_work() as session:
                audit.record(session, AuditContext.system(), f"test:concurrent:{index}:{step}")

    assert run_together(append, 8)[1] == []
    with committed.unit_of_work() as session:
        chains = session.execute(text(
            "SELECT chain, count(*), max(chain_position) FROM audit_events GROUP BY chain")).all()
        result = audit.verify_chain(session)
    assert sum(count for _chain, count, _top in chains) == before + 40
    # Gap-free within each chain, and the writers spread over several chains.
    assert all(count == top for _chain, count, top in chains)
    assert len(chains) > 1
    assert (result.intact, result.events_checked) == (True, before + 40)


def test_an_invitation_is_accepted_exactly_once(committed: Database) -> None:
    settings = make_test_settings()
    with committed.unit_of_work() as session:
        admin = identity.principal_for_user(*_user_and_organisation(session, "admin@fourflow.demo"))
        harbour = identity.organisation_by_slug(session, "harbour-capital")
        assert harbour is not None
        invitation = identity.invite_user(session, admin, settings, harbour.id, InvitationCreate(
            email="race@harbour.demo", role="funder_analyst"))
    token = identity.invitation_token(settings.security.secret_key.get_secret_value(), invitation.id)

    def accept(index: int) -> None:
        with committed.unit_of_work() as session:
            identity.accept_invitation(session, token, InvitationAccept(
                display_name=f"Racer {index}", password="a-long-password"),
                request_id=None, ip_address=None)

    _results, failures = run_together(accept, 6)
    assert len(failures) == 5
    assert all(isinstance(failure, FourflowError) for failure in failures)
    with committed.unit_of_work() as session:
        assert session.execute(text("SELECT count(*) FROM users WHERE email='race@harbour.demo'")
                               ).scalar_one() == 1
        assert session.execute(text(
            "SELECT count(*) FROM audit_events WHERE action='identity:invitation:accepted' "
            "AND subject_id = :i"), {"i": str(invitation.id)}).scalar_one() == 1


def _user_and_organisation(session, email):  # type: ignore[no-untyped-def]
    from fourflow.identity import repository

    user = repository.user_by_email(session, email)
    assert user is not None
    found = repository.user_with_organisation(session, user.id)
    assert found is not None
    return found
