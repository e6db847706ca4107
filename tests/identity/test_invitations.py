import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.identity import service as identity
from fourflow.notifications.mail import MailboxTransport
from tests.conftest import make_test_settings
from tests.helpers import count, organisation_id, sign_in


def _lumen(session: Session) -> str:
    return organisation_id(session, "lumen-electronics")


def test_invitation_is_recorded_audited_and_its_email_job_queued_in_the_same_transaction(
        client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    response = client.post(f"/api/v1/organisations/{_lumen(demo)}/invitations",
                           headers={"X-CSRF-Token": csrf},
                           json={"email": "Buyer.Two@Lumen.demo", "role": "seller_finance",
                                 "language": "zh_Hans"})
    assert response.status_code == 201
    invitation = response.json()
    assert (invitation["email"], invitation["role"], invitation["language"]) == (
        "buyer.two@lumen.demo", "seller_finance", "zh_Hans")
    job = demo.execute(text("SELECT task_name, args, status FROM procrastinate_jobs")).one()
    assert (job.task_name, job.args, job.status) == (
        "identity:send_invitation_email", {"invitation_id": invitation["id"]}, "todo")
    assert demo.execute(text("SELECT action FROM audit_events WHERE subject_id = :i"),
                        {"i": invitation["id"]}).scalar_one() == "identity:user:invited"


def test_refused_invitations_store_nothing(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "owner@lumen.demo")
    tables = ("invitations", "procrastinate_jobs", "audit_events")
    before = [count(demo, table) for table in tables]
    cases = [
        ({"email": "finance@lumen.demo", "role": "seller_finance"}, 409, "user_email_taken"),
        ({"email": "new@lumen.demo", "role": "administrator"}, 422, "role_not_allowed"),
        ({"email": "not-an-email", "role": "seller_finance"}, 422, "validation_failed"),
        ({"email": "new@lumen.demo", "role": "seller_finance", "extra": 1}, 422, "validation_failed"),
    ]
    for payload, status, code in cases:
        response = client.post(f"/api/v1/organisations/{_lumen(demo)}/invitations",
                               headers={"X-CSRF-Token": csrf, "Accept-Language": "en"}, json=payload)
        assert (response.status_code, response.json()["error"]) == (status, code), payload
    assert [count(demo, table) for table in tables] == before


def test_seller_finance_cannot_invite(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    response = client.post(f"/api/v1/organisations/{_lumen(demo)}/invitations",
                           headers={"X-CSRF-Token": csrf},
                           json={"email": "x@lumen.demo", "role": "seller_finance"})
    assert response.status_code == 403
    assert count(demo, "invitations") == 0


def test_invitation_email_then_acceptance(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "admin@fourflow.demo")
    funder = demo.execute(text("SELECT id FROM organisations WHERE slug='harbour-capital'")).scalar_one()
    created = client.post(f"/api/v1/organisations/{funder}/invitations",
                          headers={"X-CSRF-Token": csrf},
                          json={"email": "second.analyst@harbour.demo", "role": "funder_analyst"})
    assert created.status_code == 201
    invitation_id = created.json()["id"]
    settings = make_test_settings()
    # What the worker does, twice: the second run must not send a second message.
    for _ in range(2):
        identity.send_invitation_email(demo, settings, MailboxTransport(),
                                       uuid.UUID(invitation_id))
    mail = demo.execute(text("SELECT recipient, subject, body_text FROM mail_messages")).one()
    assert mail.recipient == "second.analyst@harbour.demo"
    assert mail.subject == "You are invited to Harbour Trade Capital on Fourflow"
    link = re.search(r"http://127\.0\.0\.1:8000(/invitations/[A-Za-z0-9_-]+)", mail.body_text)
    assert link is not None
    client.cookies.clear()
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert "Harbour Trade Capital" in page.text
    weak = client.post(link.group(1), data={"display_name": "Second Analyst", "password": "short"})
    assert weak.status_code == 422
    assert count(demo, "users") == 15
    accepted = client.post(link.group(1), data={"display_name": "Second Analyst",
                                                "password": "a-long-password"},
                           follow_redirects=False)
    assert accepted.status_code == 303
    assert count(demo, "users") == 16
    again = client.get(link.group(1))
    assert again.status_code == 404
    sign_in(client, "second.analyst@harbour.demo", "a-long-password")
    assert client.get("/api/v1/me").json()["role"] == "funder_analyst"
