import itertools

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.audit.service import GENESIS_HASH, AuditContext
from tests.helpers import count, sign_in


def _record(session: Session, action: str = "test:thing:done") -> None:
    audit.record(session, AuditContext.system(), action, subject_type="thing", subject_id="t-1",
                 after={"amount": "12.50"})


def test_events_form_a_hash_chain(session: Session) -> None:
    before = count(session, "audit_events")
    _record(session, "test:first")
    _record(session, "test:second")
    rows = session.execute(text(
        "SELECT chain, chain_position, previous_hash, event_hash FROM audit_events "
        "ORDER BY sequence")).all()
    assert len(rows) == before + 2
    # One transaction appends to one chain, so its events follow each other there.
    assert {row.chain for row in rows} == {rows[0].chain}
    assert (rows[0].chain_position, rows[0].previous_hash) == (1, GENESIS_HASH)
    for earlier, later in itertools.pairwise(rows):
        assert later.previous_hash == earlier.event_hash
        assert later.chain_position == earlier.chain_position + 1
    result = audit.verify_chain(session)
    assert (result.intact, result.events_checked, result.first_broken_sequence) == (True, before + 2, None)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'tampered'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
])
def test_the_database_refuses_to_change_events(session: Session, statement: str) -> None:
    _record(session)
    session.flush()
    stored = session.execute(text("SELECT action, event_hash FROM audit_events")).all()
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    savepoint.rollback()
    assert session.execute(text("SELECT action, event_hash FROM audit_events")).all() == stored


def test_verification_finds_a_forged_event(session: Session) -> None:
    _record(session, "test:one")
    _record(session, "test:two")
    # Simulate tampering below the application (e.g. restored backup) by disabling the guard
    # inside this rolled-back transaction only.
    session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    session.execute(text("UPDATE audit_events SET action = 'test:forged' WHERE action = 'test:one'"))
    session.expire_all()
    result = audit.verify_chain(session)
    first = session.execute(text("SELECT sequence FROM audit_events WHERE action='test:forged'")).scalar_one()
    assert (result.intact, result.first_broken_sequence) == (False, first)


def test_a_rolled_back_request_leaves_no_event(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    events_before = count(demo, "audit_events")
    organisations_before = count(demo, "organisations")
    # The slug is taken: the service flushes nothing durable and raises; the request's unit
    # of work rolls back, so neither the organisation nor an audit event remains.
    response = client.post("/api/v1/organisations", headers={"X-CSRF-Token": csrf}, json={
        "slug": "lumen-electronics", "name": "Copy", "kind": "seller", "country_code": "CN"})
    assert response.status_code == 409
    assert response.json() == {"error": "organisation_slug_taken", "detail": {
        "message": "The short name lumen-electronics is already used by another organisation.",
        "field": "slug"}}
    assert count(demo, "audit_events") == events_before
    assert count(demo, "organisations") == organisations_before


def test_a_request_failing_after_writing_rolls_back_its_event(app: FastAPI, demo: Session,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The event and the change are written, then the request fails: both disappear."""
    from fourflow.identity.service import invitations

    client = TestClient(app, raise_server_exceptions=False)
    csrf = sign_in(client, "owner@lumen.demo")
    events_before = count(demo, "audit_events")

    def failing_enqueue(*args: object, **kwargs: object) -> None:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(invitations.jobs, "enqueue", failing_enqueue)
    lumen = demo.execute(text("SELECT id FROM organisations WHERE slug='lumen-electronics'")).scalar_one()
    response = client.post(f"/api/v1/organisations/{lumen}/invitations",
                           headers={"X-CSRF-Token": csrf},
                           json={"email": "new.hire@lumen.demo", "role": "seller_finance"})
    assert response.status_code == 500
    assert response.json()["error"] == "error"
    assert count(demo, "audit_events") == events_before
    assert demo.execute(text("SELECT count(*) FROM invitations WHERE email='new.hire@lumen.demo'")
                        ).scalar_one() == 0


def test_auditor_reads_events_and_verification_over_the_api(client: TestClient, demo: Session) -> None:
    sign_in(client, "auditor@fourflow.demo")
    events = client.get("/api/v1/audit/events?page_size=5&action=identity:organisation")
    assert events.status_code == 200
    body = events.json()
    assert body["total"] == 8  # one per demo organisation
    assert all(item["action"] == "identity:organisation:created" for item in body["items"])
    verification = client.get("/api/v1/audit/verification").json()
    assert verification["intact"] is True
    assert verification["events_checked"] == count(demo, "audit_events")


def test_sellers_cannot_read_the_audit_log(client: TestClient, demo: Session) -> None:
    sign_in(client, "owner@lumen.demo")
    response = client.get("/api/v1/audit/events", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
