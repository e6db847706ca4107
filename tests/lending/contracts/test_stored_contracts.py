"""Contracts made from accepted offers, end to end through the API on a simulated world: made once
per offer (only when accepted), a one-time code mailed through the outbox, the seller's signature
bound to the session that asked for the code, the platform's countersignature at once, every change
audited with the hashes of the stored PDF, refused actions changing nothing, sellers seeing only
their own contracts and staff reading everyone's (audited)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, get_clock
from fourflow.core.money import Money
from fourflow.lending.applications import service as applications
from fourflow.lending.contracts.errors import OfferNotAccepted
from fourflow.lending.contracts.service import contracts, pki
from fourflow.lending.contracts.service.document import render_contract
from fourflow.lending.contracts.service.terms import ContractFee
from fourflow.lending.contracts.service.verification import verify_contract
from fourflow.notifications.mail import MailboxTransport
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import bearer_token, count
from tests.lending.applications.conftest import APPROVED_SELLER, signed_in
from tests.lending.contracts.conftest import flip_byte

CONTRACTS = "/api/v1/lending/contracts"
OWNER = f"owner@{APPROVED_SELLER}.demo"
TABLES = ("lending_contracts", "lending_contract_signing_codes", "audit_events", "procrastinate_jobs",
          "mail_messages")


def _counts(session: Session) -> dict[str, int]:
    return {table: count(session, table) for table in TABLES}


def _offer(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    draft = client.post("/api/v1/lending/applications", headers=headers, json={
        "product": "receivables_financing", "amount": "5000.00", "currency": "USD",
        "purpose": "Restock for the holiday season"})
    assert draft.status_code == 201, draft.text
    submitted = client.post(f"/api/v1/lending/applications/{draft.json()['id']}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    offer: dict[str, Any] = submitted.json()["offer"]
    return offer


def _contract_row(session: Session, contract_id: str) -> Any:
    return session.execute(text("SELECT * FROM lending_contracts WHERE id = :id"), {"id": contract_id}).one()


def _mailed_code(session: Session, contract_id: str) -> tuple[str, Any]:
    """Run the queued mail job's body, as the worker would after commit; the code from the mail."""
    job = session.execute(text(
        "SELECT args FROM procrastinate_jobs WHERE task_name = 'contracts:send_signing_code' "
        "ORDER BY id DESC LIMIT 1")).scalar_one()
    contracts.send_signing_code_email(session, MailboxTransport(), uuid.UUID(job["code_id"]),
                                      secret=TEST_SECRET_KEY)
    mail = session.execute(text("SELECT recipient, subject, body_text FROM mail_messages "
                                "WHERE idempotency_key = :key"),
                           {"key": f"contract-signing-code:{job['code_id']}"}).one()
    found = re.search(r"\n    (\d{6})\n", mail.body_text)
    assert found is not None, mail.body_text
    return found.group(1), mail


def test_an_accepted_offer_becomes_a_contract_that_seller_and_platform_sign(
        client: TestClient, offer_world: Session) -> None:
    world = offer_world
    headers = signed_in(client, OWNER, world)
    offer = _offer(client, headers)

    # An open offer is no contract yet: refused, nothing stored.
    before = _counts(world)
    refused = client.post(CONTRACTS, headers=headers, json={"offer_id": offer["id"]})
    assert (refused.status_code, refused.json()["error"]) == (409, "offer_not_accepted")
    assert refused.json()["detail"] == {
        "field": "offer_id", "message": "Only an accepted offer becomes a contract; this offer is open."}
    assert _counts(world) == before

    assert client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers).status_code == 200
    made = client.post(CONTRACTS, headers=headers, json={"offer_id": offer["id"], "language": "zh_Hans"})
    assert made.status_code == 201, made.text
    contract = made.json()
    sequence = world.execute(text("SELECT last_value FROM lending_contract_numbers")).scalar_one()
    assert contract["contract_number"] == f"FF-2026-{sequence:06d}"
    assert re.fullmatch(r"FF-2026-\d{6}", contract["contract_number"])
    assert {name: contract[name] for name in ("offer_id", "language", "status", "seller_signed_sha256",
                                              "signed_sha256", "seller_signer_name", "platform_signer_name")
            } == {"offer_id": offer["id"], "language": "zh_Hans", "status": "awaiting_seller_signature",
                  "seller_signed_sha256": None, "signed_sha256": None, "seller_signer_name": None,
                  "platform_signer_name": None}
    assert contract["pdf_sha256"] == contract["unsigned_sha256"]

    # Idempotent: the same contract again (200), in the language it was made in.
    before = _counts(world)
    again = client.post(CONTRACTS, headers=headers, json={"offer_id": offer["id"], "language": "en"})
    assert (again.status_code, again.json()) == (200, contract)
    assert _counts(world) == before

    unsigned = client.get(f"{CONTRACTS}/{contract['id']}/pdf", headers=headers)
    assert (unsigned.status_code, unsigned.headers["content-type"]) == (200, "application/pdf")
    assert hashlib.sha256(unsigned.content).hexdigest() == contract["unsigned_sha256"]
    number = contract["contract_number"]
    assert unsigned.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    assert verify_contract(unsigned.content, pki.platform_trust_roots(world)).error_code == "no_signatures"

    # Signing before any code was sent, and with a wrong code: refused, nothing changes.
    before = _counts(world)
    no_code = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": "123456"})
    assert (no_code.status_code, no_code.json()["error"]) == (422, "signing_code_invalid")
    assert no_code.json()["detail"] == {
        "field": "code", "message": "The one-time code is wrong, used or expired; ask for a new code."}
    assert _counts(world) == before

    sent = client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers)
    assert sent.status_code == 201, sent.text
    assert sent.json() == {"contract_id": contract["id"], "sent_to": OWNER,
                           "expires_at": "2026-10-15T12:10:00Z"}
    code, mail = _mailed_code(world, contract["id"])
    assert (mail.recipient, mail.subject) == (OWNER, f"Your code to sign contract {number}")
    assert "It is valid until 2026-10-15 12:10 UTC" in mail.body_text
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    before = _counts(world)
    refused = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": wrong})
    assert (refused.status_code, refused.json()["error"]) == (422, "signing_code_invalid")
    assert _counts(world) == before
    assert _contract_row(world, contract["id"]).status == "awaiting_seller_signature"

    signed = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": code})
    assert signed.status_code == 200, signed.text
    result = signed.json()
    assert {name: result[name] for name in ("status", "seller_signer_name", "platform_signer_name",
                                            "seller_signed_at", "platform_signed_at")} == {
        "status": "signed", "seller_signer_name": "Zhou Ping",
        "platform_signer_name": "Fourflow Platform Contract Signing",
        "seller_signed_at": "2026-10-15T12:00:00Z", "platform_signed_at": "2026-10-15T12:00:00Z"}
    assert result["pdf_sha256"] == result["signed_sha256"]
    assert len({result["unsigned_sha256"], result["seller_signed_sha256"], result["signed_sha256"]}) == 3

    pdf = client.get(f"{CONTRACTS}/{contract['id']}/pdf", headers=headers).content
    assert hashlib.sha256(pdf).hexdigest() == result["signed_sha256"]
    row = _contract_row(world, contract["id"])
    assert (bytes(row.pdf), row.pdf_sha256) == (pdf, result["signed_sha256"])
    # Each signature is an incremental update: the unsigned file and the seller's are prefixes.
    assert pdf.startswith(unsigned.content)

    # The audit log: every state change, with the hashes of the stored files.
    events = world.execute(text(
        "SELECT action, actor_type, request_id, before, after FROM audit_events "
        "WHERE subject_id IN (:id, :number) "
        "AND action LIKE '%contract%' ORDER BY sequence"),
        {"id": contract["id"], "number": contract["contract_number"]}).all()
    assert [event.action for event in events] == [
        "lending:contract:created", "lending:contract:signing_code_sent", "contracts.signed",
        "lending:contract:awaiting_platform_signature", "contracts.signed", "lending:contract:signed"]
    # The seller's acts are the user's; the countersignature is the platform's, in the same request.
    assert [event.actor_type for event in events] == ["user", "user", "user", "user", "system", "system"]
    assert len({event.request_id for event in events[2:]}) == 1
    assert events[2].request_id is not None
    created, code_sent, seller, awaiting, platform, done = (event.after for event in events)
    assert created == {"contract_number": contract["contract_number"], "offer_id": offer["id"],
                       "language": "zh_Hans", "status": "awaiting_seller_signature",
                       "document_sha256": contract["unsigned_sha256"]}
    assert code_sent["recipient"] == OWNER
    assert code not in str(code_sent)
    assert (seller["field"], seller["document_sha256"]) == ("Seller", result["seller_signed_sha256"])
    assert awaiting["document_sha256"] == result["seller_signed_sha256"]
    assert (platform["field"], platform["document_sha256"]) == ("Platform", hashlib.sha256(pdf).hexdigest())
    assert done == {"status": "signed", "contract_number": contract["contract_number"],
                    "document_sha256": hashlib.sha256(pdf).hexdigest()}
    assert [event.before for event in events if event.action.startswith("lending:contract:")][2:] == [
        {"status": "awaiting_seller_signature"}, {"status": "awaiting_platform_signature"}]

    # The signed file verifies: intact, both signatures, trusted to the platform CA.
    report = verify_contract(pdf, pki.platform_trust_roots(world), language="en")
    assert (report.intact, report.trusted, report.error_code) == (True, True, None)
    assert [(check.field, check.signer, check.intact, check.trusted, check.timestamp_trusted)
            for check in report.signatures] == [
        ("Seller", "Zhou Ping", True, True, True),
        ("Platform", "Fourflow Platform Contract Signing", True, True, True)]
    assert report.signatures[0].reason is not None
    assert report.signatures[0].reason.startswith(f"Seller accepts contract {contract['contract_number']}; ")
    session_id = world.execute(text(
        "SELECT session_id FROM lending_contract_signing_codes WHERE contract_id = :id"),
        {"id": contract["id"]}).scalar_one()
    session_sha256 = hashlib.sha256(str(session_id).encode()).hexdigest()
    assert f"session sha256:{session_sha256}" in report.signatures[0].reason
    # One flipped byte breaks it.
    tampered = verify_contract(flip_byte(pdf, b"/Title ("), pki.platform_trust_roots(world), language="en")
    assert (tampered.intact, tampered.error_code) == (False, "signature_broken")

    # Signing again, or asking for a code: refused, nothing changes.
    before = _counts(world)
    twice = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": code})
    assert (twice.status_code, twice.json()["error"]) == (409, "contract_already_signed")
    assert twice.json()["detail"] == "This contract has been signed already."
    late_code = client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers)
    assert (late_code.status_code, late_code.json()["error"]) == (409, "contract_already_signed")
    assert _counts(world) == before
    assert bytes(_contract_row(world, contract["id"]).pdf) == pdf

    listed = client.get(CONTRACTS, headers=headers).json()
    assert ([item["id"] for item in listed["items"]], listed["total"]) == ([contract["id"]], 1)


def _accepted_contract(client: TestClient, world: Session) -> tuple[dict[str, str], dict[str, Any]]:
    headers = signed_in(client, OWNER, world)
    offer = _offer(client, headers)
    assert client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers).status_code == 200
    made = client.post(CONTRACTS, headers=headers, json={"offer_id": offer["id"]})
    assert made.status_code == 201, made.text
    return headers, made.json()


def test_an_expired_code_or_one_from_another_session_signs_nothing(
        app: FastAPI, client: TestClient, offer_world: Session) -> None:
    world = offer_world
    headers, contract = _accepted_contract(client, world)
    assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201
    code, _mail = _mailed_code(world, contract["id"])

    # The same user signed in from another browser: the code is not that session's.
    with TestClient(app, base_url="http://testserver") as other_browser:
        other_headers = signed_in(other_browser, OWNER)
        before = _counts(world)
        elsewhere = other_browser.post(f"{CONTRACTS}/{contract['id']}/sign", headers=other_headers,
                                       json={"code": code})
        assert (elsewhere.status_code, elsewhere.json()["error"]) == (422, "signing_code_invalid")
        assert _counts(world) == before

    cast(FrozenClock, get_clock()).advance(timedelta(minutes=10, seconds=1))
    before = _counts(world)
    expired = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": code})
    assert (expired.status_code, expired.json()["error"]) == (422, "signing_code_invalid")
    assert _counts(world) == before
    assert _contract_row(world, contract["id"]).status == "awaiting_seller_signature"


def test_sellers_see_only_their_own_contracts_and_staff_read_all_audited(
        client: TestClient, offer_world: Session) -> None:
    world = offer_world
    headers, contract = _accepted_contract(client, world)
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.cookies.clear()

    other = signed_in(client, "owner@lumen.demo")
    for path in ("", "/pdf"):
        response = client.get(f"{CONTRACTS}/{contract['id']}{path}", headers=other)
        assert (response.status_code, response.json()["error"]) == (404, "contract_not_found")
    assert client.get(CONTRACTS, headers=other).json()["total"] == 0
    refused = client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=other)
    assert (refused.status_code, refused.json()["error"]) == (404, "contract_not_found")
    client.post("/logout", data={"csrf_token": other["X-CSRF-Token"]})
    client.cookies.clear()

    staff = signed_in(client, "risk@fourflow.demo")
    assert client.get(f"{CONTRACTS}/{contract['id']}", headers=staff).json()["id"] == contract["id"]
    pdf = client.get(f"{CONTRACTS}/{contract['id']}/pdf", headers=staff)
    assert hashlib.sha256(pdf.content).hexdigest() == contract["pdf_sha256"]
    viewed = world.execute(text(
        "SELECT actor_type, after FROM audit_events WHERE action = 'lending:contract:downloaded'")).one()
    assert (viewed.actor_type, viewed.after) == ("user", {"document_sha256": contract["pdf_sha256"]})
    # Staff read; they do not sign for a seller (the contract is not in their organisation).
    code = client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=staff)
    assert (code.status_code, code.json()["error"]) == (404, "contract_not_found")


def test_five_wrong_codes_void_the_open_code(client: TestClient, offer_world: Session) -> None:
    world = offer_world
    headers, contract = _accepted_contract(client, world)
    assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201
    code, _mail = _mailed_code(world, contract["id"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    before = _counts(world)
    for attempt in range(1, 6):
        refused = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": wrong})
        assert (refused.status_code, refused.json()["error"]) == (422, "signing_code_invalid")
        assert world.execute(text("SELECT failed_attempts FROM lending_contract_signing_codes "
                                  "WHERE contract_id = :id"), {"id": contract["id"]}).scalar_one() == attempt
    # The right code now comes too late: the code is void; a new one signs.
    void = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": code})
    assert (void.status_code, void.json()["error"]) == (422, "signing_code_invalid")
    assert _counts(world) == before
    assert _contract_row(world, contract["id"]).status == "awaiting_seller_signature"
    assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201
    fresh, _mail = _mailed_code(world, contract["id"])
    signed = client.post(f"{CONTRACTS}/{contract['id']}/sign", headers=headers, json={"code": fresh})
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")


def test_the_contract_says_what_the_offer_says(offer_world: Session) -> None:
    """Terms, fee, APR and schedule from the offer, the parties from the registry; the stored PDF is
    the existing template's rendering of them, byte for byte."""
    world = offer_world
    seller = uuid.UUID(str(world.execute(text(
        f"SELECT id FROM organisations WHERE slug = '{APPROVED_SELLER}'")).scalar_one()))
    system = AuditContext.system()
    application = applications.create(session=world, context=system, seller_organisation_id=seller,
                                      fields=applications.ApplicationFields(
                                          product="receivables_financing", amount=Decimal("5000.00"),
                                          currency="USD", purpose="Restock"), created_by_user_id=None)
    world.execute(text("UPDATE trade_seller_devices SET first_seen_at = first_seen_at - interval '30 days'"))
    offer = applications.submit(world, system, application.id, seller, idempotency_key=None,
                                requested_by_user_id=None).offer
    assert offer is not None
    with pytest.raises(OfferNotAccepted):
        contracts.contract_for_offer(world, system, offer.id, "en", seller_organisation_id=seller)
    applications.accept_offer(world, system, offer.id, seller, accepted_by_user_id=None)
    contract, created = contracts.contract_for_offer(world, system, offer.id, "en",
                                                     seller_organisation_id=seller)
    assert created is True
    terms = contracts.terms_of_offer(world, offer, contract.contract_number, "en")
    registry = world.execute(text(
        "SELECT legal_name, registered_address, company_number FROM trade_registry_records "
        "WHERE seller_organisation_id = :seller"), {"seller": seller}).one()
    assert (terms.seller_legal_name, terms.seller_address,
            terms.seller_registration_number) == tuple(registry)
    assert (terms.principal, terms.annual_interest_rate, terms.annual_percentage_rate, terms.term_days,
            terms.disbursement_date, terms.lender_name, terms.product) == (
        Money(Decimal("5000.00"), "USD"), Decimal("0.117983"), Decimal("0.1596"), 90, date(2026, 10, 15),
        "Fourflow Platform Ltd.", "receivables_financing")
    assert terms.fees == (ContractFee("Origination fee", Money(Decimal("25.00"), "USD")),)
    assert [(row.due_date, row.principal.amount, row.interest.amount, row.total.amount)
            for row in terms.schedule] == [
        (date(2026, 11, 14), Decimal("1666.66"), Decimal("48.49"), Decimal("1715.15")),
        (date(2026, 12, 14), Decimal("1666.66"), Decimal("32.32"), Decimal("1698.98")),
        (date(2027, 1, 13), Decimal("1666.68"), Decimal("16.16"), Decimal("1682.84"))]
    assert (terms.repayment_method, terms.use_of_funds, terms.governing_law) == (
        "A share of every marketplace payout", "Any business purpose: Restock",
        "Laws of the Hong Kong Special Administrative Region")
    rendered = render_contract(terms)
    assert bytes(contract.pdf) == rendered
    assert contract.unsigned_sha256 == contract.pdf_sha256 == hashlib.sha256(rendered).hexdigest()
    chinese = contracts.terms_of_offer(world, offer, contract.contract_number, "zh_Hans")
    assert (chinese.fees[0].description, chinese.governing_law) == ("手续费", "香港特别行政区法律")
    # A second call: the same contract, nothing new.
    audit_events = count(world, "audit_events")
    again, created = contracts.contract_for_offer(world, system, offer.id, "zh_Hans",
                                                  seller_organisation_id=seller)
    assert (again.id, again.language, created, count(world, "audit_events")) == (
        contract.id, "en", False, audit_events)


def test_codes_are_limited_per_hour_and_api_clients_do_not_sign(client: TestClient,
                                                                  offer_world: Session) -> None:
    world = offer_world
    headers, contract = _accepted_contract(client, world)
    for _sent in range(contracts.MAX_CODES_PER_HOUR):
        assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201
    before = _counts(world)
    too_many = client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers)
    assert (too_many.status_code, too_many.json()) == (429, {
        "error": "signing_codes_too_many",
        "detail": "5 codes were sent for this contract in the last hour; use the newest one or try again "
                  "later."})
    assert _counts(world) == before
    cast(FrozenClock, get_clock()).advance(timedelta(hours=1))
    assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201

    token = bearer_token(client, "demo-lumen", scope="risk:decide")
    for action, body in (("signing-code", None), ("sign", {"code": "000000"})):
        refused = client.post(f"{CONTRACTS}/{uuid.uuid4()}/{action}", json=body,
                              headers={"Authorization": f"Bearer {token}"})
        assert (refused.status_code, refused.json()["error"]) == (403, "signing_needs_browser_session")


def test_the_worker_knows_the_signing_code_job(database_url: str) -> None:
    from fourflow.worker import build_job_app

    assert contracts.SEND_SIGNING_CODE_TASK in build_job_app(database_url).tasks


def test_a_mail_job_run_twice_sends_one_message(client: TestClient, offer_world: Session) -> None:
    world = offer_world
    headers, contract = _accepted_contract(client, world)
    assert client.post(f"{CONTRACTS}/{contract['id']}/signing-code", headers=headers).status_code == 201
    code, _mail = _mailed_code(world, contract["id"])
    again, _mail = _mailed_code(world, contract["id"])
    assert (again, count(world, "mail_messages")) == (code, 1)
