"""The full loop through the API on a simulated world: apply → offer → accept → book → disburse →
accrue → a payout repays in full → the loan is closed; every balance checked, the ledger's invariants
hold."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service
from tests.helpers import count, sign_in
from tests.lending.applications.conftest import APPROVED_SELLER, prepare_world, signed_in
from tests.lending.conditions_helpers import sign_contract
from tests.lending.loans.conftest import CONTEXT, books, rows

D = Decimal
LOANS = "/api/v1/lending/loans"
PAYOUTS = "/api/v1/lending/payouts"


@pytest.fixture
def world(demo: Session, clock: FrozenClock) -> Session:
    prepare_world(demo)
    demo.flush()
    return demo


def _accepted_offer(client: TestClient, headers: dict[str, str]) -> str:
    draft = client.post("/api/v1/lending/applications", headers=headers, json={
        "product": "receivables_financing", "amount": "5000.00", "currency": "USD"})
    assert draft.status_code == 201, draft.text
    submitted = client.post(f"/api/v1/lending/applications/{draft.json()['id']}/submit",
                            headers={**headers, "Idempotency-Key": "loop-submit"})
    assert submitted.status_code == 200, submitted.text
    offer_id: str = submitted.json()["offer"]["id"]
    accepted = client.post(f"/api/v1/lending/offers/{offer_id}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    return offer_id


def test_the_full_loop(client: TestClient, world: Session, clock: FrozenClock) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    offer_id = _accepted_offer(client, headers)

    before = rows(world)
    missing = client.post(LOANS, headers=headers, json={"offer_id": offer_id})
    assert (missing.status_code, missing.json()["error"]) == (422, "idempotency_key_missing")
    assert rows(world) == before
    book = {**headers, "Idempotency-Key": "loop-book"}
    booked = client.post(LOANS, headers=book, json={"offer_id": offer_id})
    assert booked.status_code == 201, booked.text
    loan = booked.json()
    # 5,000.00 USD at the decision's 11.7983 % for 90 days, a quarter of every payout, fee 0.5 % = 25.00;
    # first minimum on 14 November: 5,000 ÷ 3 = 1,666.66 and 5,000 × 0.117983 × 30 ÷ 365 = 48.486… = 48.49.
    assert {name: loan[name] for name in ("status", "principal", "currency", "annual_rate",
                                          "origination_fee", "disbursed_amount", "start_on",
                                          "maturity_on")} == {
        "status": "awaiting_disbursement", "principal": "5000.00", "currency": "USD",
        "annual_rate": "0.117983",
        "origination_fee": "25.00", "disbursed_amount": "4975.00", "start_on": "2026-10-15",
        "maturity_on": "2027-01-13"}
    assert [(row["due_on"], row["principal"], row["interest"]) for row in loan["schedule"]] == [
        ("2026-11-14", "1666.66", "48.49"), ("2026-12-14", "1666.66", "32.32"),
        ("2027-01-13", "1666.68", "16.16")]
    retried = client.post(LOANS, headers=book, json={"offer_id": offer_id})
    assert (retried.status_code, retried.json()["id"]) == (200, loan["id"])
    other_key = client.post(LOANS, headers={**headers, "Idempotency-Key": "loop-other"},
                            json={"offer_id": offer_id})
    assert (other_key.status_code, other_key.json()["error"]) == (409, "loan_already_booked")
    refused = client.post(f"{LOANS}/{loan['id']}/disburse", headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    unknown = client.post(LOANS, headers={**headers, "Idempotency-Key": "loop-x"},
                          json={"offer_id": str(uuid.uuid4())})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "offer_not_found")

    stored = service.get_loan(world, uuid.UUID(loan["id"]), None)
    start = books(world, stored)
    client.cookies.clear()
    operations = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    # The contract is not signed yet: operations are refused, naming the condition, and nothing moves.
    before = rows(world)
    unsigned = client.post(f"{LOANS}/{loan['id']}/disburse", headers=operations)
    assert (unsigned.status_code, unsigned.json()["error"]) == (409, "disbursement_conditions_unmet")
    assert unsigned.json()["detail"] == {
        "message": "The loan cannot be disbursed yet: All signatures present not met.", "field": "conditions"}
    assert rows(world) == before
    conditions = client.get(f"{LOANS}/{loan['id']}/conditions", headers=operations).json()
    assert [(row["kind"], row["status"], row["reason"]) for row in conditions["conditions"]] == [
        ("contract_signed", "unmet", "No contract has been made from the offer yet.")]
    # The seller signs; the platform's countersignature meets the last condition and disburses the loan.
    sign_contract(world, uuid.UUID(offer_id))
    conditions = client.get(f"{LOANS}/{loan['id']}/conditions", headers=operations).json()
    assert (conditions["status"], conditions["all_met"]) == ("active", True)
    assert [(row["event"], row["result"], row["reason_code"]) for row in conditions["evaluations"]] == [
        ("contract_countersigned", "met", "contract_signed"), ("booking", "unmet", "contract_missing")]
    assert [(row["method"], row["amount"], row["status"], row["triggered_by"])
            for row in conditions["disbursements"]] == [("wallet", "4975.00", "completed", "conditions_met")]
    disbursed = client.post(f"{LOANS}/{loan['id']}/disburse", headers=operations)
    assert disbursed.status_code == 200, disbursed.text
    assert (disbursed.json()["status"], disbursed.json()["balances"]) == (
        "active", {"principal": "5000.00", "interest": "0.00", "fees": "0.00", "total": "5000.00"})
    again = client.post(f"{LOANS}/{loan['id']}/disburse", headers=operations)
    assert again.status_code == 200
    world.refresh(stored)
    after = books(world, stored)
    assert after.wallet - start.wallet == D("4975.00")
    assert after.income_fees - start.income_fees == D("25.00")
    assert start.funder_available - after.funder_available == D("5000.00")
    assert after.funder_deployed - start.funder_deployed == D("5000.00")
    assert count(world, "audit_events") > 0

    # 30 days later: 48.49 accrued; a payout of 25,000.00 — a quarter (6,250.00) covers all that is owed,
    # 48.49 + 5,000.00 = 5,048.49; 19,951.51 reaches the wallet.
    clock.advance(timedelta(days=30))
    service.accrue_interest(world, CONTEXT, stored.id, clock.now().date() - timedelta(days=1))
    assert books(world, stored).interest == D("48.49")
    client.cookies.clear()
    operations = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    payout = {"seller_id": str(stored.seller_organisation_id), "amount": "25000.00", "currency": "USD",
              "reference": "AMZ-77"}
    applied = client.post(PAYOUTS, headers=operations, json=payout)
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert (body["released"], [(r["interest"], r["principal"]) for r in body["repayments"]]) == (
        "19951.51", [("48.49", "5000.00")])
    repeated = client.post(PAYOUTS, headers=operations, json=payout)
    assert (repeated.status_code, repeated.json()) == (200, applied.json())
    too_precise = client.post(PAYOUTS, headers=operations,
                              json={**payout, "amount": "1.001", "reference": "AMZ-78"})
    assert (too_precise.status_code, too_precise.json()["error"]) == (422, "payout_amount_too_precise")
    assert too_precise.json()["detail"] == {"field": "amount",
                                            "message": "1.001 has more decimals than USD allows (2)."}
    end = books(world, stored)
    assert (end.principal, end.interest, end.fees, end.collections) == (D("0.00"),) * 4
    assert end.wallet - start.wallet == D("4975.00") + D("19951.51")
    assert end.bank - start.bank == D("25000.00")
    # interest-split@v1: the funder 80 % of 48.49 = 38.792 → 38.79, the platform the rest 9.70.
    assert end.funder_income - start.funder_income == D("38.79")
    assert end.income_interest - start.income_interest == D("9.70")
    assert end.income_fees - start.income_fees == D("25.00")
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert ledger.check_invariants(world).hold

    client.cookies.clear()
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo")
    seller_payout = client.post(PAYOUTS, headers=headers, json={**payout, "reference": "AMZ-79"})
    assert (seller_payout.status_code, seller_payout.json()["error"]) == (403, "permission_denied")
    closed = client.get(f"{LOANS}/{loan['id']}", headers=headers).json()
    assert (closed["status"], closed["balances"]["total"], closed["interest_accrued"]) == (
        "closed", "0.00", "48.49")
    history = client.get(f"{LOANS}/{loan['id']}/repayments", headers=headers).json()
    assert [(item["payout_reference"], item["interest"], item["principal"], item["total"])
            for item in history] == [
        ("AMZ-77", "48.49", "5000.00", "5048.49")]
    listed = client.get(LOANS, headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [loan["id"]]
    chinese = client.get(f"{LOANS}/{uuid.uuid4()}", headers={**headers, "Accept-Language": "zh-CN"})
    assert chinese.status_code == 404
