"""A revolving credit line end to end through the API on the simulated world: apply → offer → accept
(the line opens) → sign → draw (disbursed into the wallet, net of 1 %) → payouts repay (available
again) → draw again → all repaid → every draw's loan closed; the ledger balanced throughout."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service as loans
from fourflow.risk.service import rule_sets
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import count, sign_in
from tests.lending.applications.conftest import APPROVED_SELLER, register_scorecard, signed_in
from tests.lending.applications.conftest import clock as clock
from tests.lending.conditions_helpers import sign_contract
from tests.lending.loans.conftest import CONTEXT, Books, books

D = Decimal
LINES = "/api/v1/lending/lines"
PAYOUTS = "/api/v1/lending/payouts"


@pytest.fixture
def world(demo: Session, clock: FrozenClock) -> Session:
    """The applications' simulated world, traded for 14 months: a revolving line needs 12 months of
    history (the policy rules' ``terms-revolving-credit-line``)."""
    load_world(demo, sellers=5, months=14, seed=3, end_month=date(2026, 10, 1), secret=TEST_SECRET_KEY)
    register_scorecard(demo)
    rule_sets.install_defaults(demo)
    demo.flush()
    return demo


def _seller_books(session: Session, seller: uuid.UUID) -> Books:
    """The books a draw touches before there is a loan: the seller's, the funder's, the platform's
    (the per-loan balances are zero)."""
    funder = identity.organisation_by_slug(session, loans.DEFAULT_FUNDER)
    platform = identity.organisations_of_kind(session, "platform")[0]
    assert funder is not None

    def posted(organisation: uuid.UUID, code: str, subject: str = "") -> Decimal:
        account = ledger.open_account(session, organisation, code, "USD", subject=subject)
        session.refresh(account)
        return ledger.balance(session, account).posted

    zero = D("0.00")
    return Books(zero, zero, zero, posted(seller, "seller:wallet"), posted(seller, "seller:collections"),
                 posted(funder.id, "funder:available"), posted(funder.id, "funder:deployed"),
                 posted(platform.id, "platform:income:fees"), posted(platform.id, "platform:income:interest"),
                 posted(platform.id, "platform:bank", loans.DEFAULT_COLLECTION_CHANNEL),
                 posted(funder.id, "funder:income"))


def _figures(line: dict[str, object]) -> tuple[object, object, object]:
    return line["limit"], line["drawn"], line["available"]


def test_a_line_drawn_repaid_and_drawn_again(client: TestClient, world: Session, clock: FrozenClock) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    draft = client.post("/api/v1/lending/applications", headers=headers, json={
        "product": "revolving_credit_line", "amount": "6000.00", "currency": "USD", "tenor_days": 180})
    assert draft.status_code == 201, draft.text
    submitted = client.post(f"/api/v1/lending/applications/{draft.json()['id']}/submit",
                            headers={**headers, "Idempotency-Key": "line-submit"})
    assert submitted.status_code == 200, submitted.text
    offer = submitted.json()["offer"]
    # The risk engine prices the line at 11.9476 %; the offer states the product's fee rate (1 %).
    assert (offer["product"], offer["amount"], offer["annual_rate"]) == (
        "revolving_credit_line", "6000.00", "0.119476")
    assert client.get(LINES, headers=headers).json()["items"] == []
    accepted = client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text

    # Accepting opened the line: limit 6,000.00, open for draws 180 days (until 13 April 2027).
    (line,) = client.get(LINES, headers=headers).json()["items"]
    assert {name: line[name] for name in ("offer_id", "limit", "drawn", "available", "annual_rate",
                                          "origination_fee_rate", "opened_on", "term_end_on", "state")} == {
        "offer_id": offer["id"], "limit": "6000.00", "drawn": "0.00", "available": "6000.00",
        "annual_rate": "0.119476", "origination_fee_rate": "0.010000", "opened_on": "2026-10-15",
        "term_end_on": "2027-04-13", "state": "open"}
    assert line["terms"][1] == "Origination fee: 1.0 % of each draw, deducted from what the draw pays out."
    # No loan is booked on a line's offer.
    as_loan = client.post("/api/v1/lending/loans", headers={**headers, "Idempotency-Key": "as-loan"},
                          json={"offer_id": offer["id"]})
    assert (as_loan.status_code, as_loan.json()["error"]) == (409, "offer_opens_credit_line")
    sign_contract(world, uuid.UUID(offer["id"]))
    draws = f"{LINES}/{line['id']}/draws"

    # Draw 2,000.00: fee 2,000.00 × 1 % = 20.00, so 1,980.00 reaches the wallet at once.
    start = _seller_books(world, uuid.UUID(line["seller_id"]))
    entries = count(world, "ledger_entries")
    first = client.post(draws, headers={**headers, "Idempotency-Key": "e2e-draw-1"},
                        json={"amount": "2000.00"})
    assert first.status_code == 201, first.text
    assert {name: first.json()[name] for name in ("amount", "origination_fee", "paid_out",
                                                  "principal_outstanding", "loan_status", "maturity_on")} == {
        "amount": "2000.00", "origination_fee": "20.00", "paid_out": "1980.00",
        "principal_outstanding": "2000.00", "loan_status": "active", "maturity_on": "2027-04-13"}
    first_loan = loans.get_loan(world, uuid.UUID(first.json()["loan_id"]), None)
    after_draw = books(world, first_loan)
    assert (after_draw.principal, after_draw.wallet - start.wallet,
            after_draw.income_fees - start.income_fees,
            start.funder_available - after_draw.funder_available) == (
        D("2000.00"), D("1980.00"), D("20.00"), D("2000.00"))
    moved = count(world, "ledger_entries") - entries
    again = client.post(draws, headers={**headers, "Idempotency-Key": "e2e-draw-1"},
                        json={"amount": "2000.00"})
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert count(world, "ledger_entries") - entries == moved  # the retry moved nothing
    assert _figures(client.get(f"{LINES}/{line['id']}", headers=headers).json()) == (
        "6000.00", "2000.00", "4000.00")

    # Refused, storing nothing: over what is available, no key, too precise, not positive.
    before = {table: count(world, table) for table in ("lending_loans", "lending_credit_line_draws",
                                                       "ledger_entries", "audit_events")}
    for body, key, status, error in (({"amount": "4000.01"}, "e2e-x", 409, "draw_exceeds_available"),
                                     ({"amount": "10.00"}, None, 422, "idempotency_key_missing"),
                                     ({"amount": "10.001"}, "e2e-y", 422, "draw_amount_too_precise"),
                                     ({"amount": "0"}, "e2e-z", 422, "draw_amount_not_positive")):
        refused = client.post(draws, headers={**headers, **({"Idempotency-Key": key} if key else {})},
                              json=body)
        assert (refused.status_code, refused.json()["error"]) == (status, error), refused.text
    assert {table: count(world, table) for table in before} == before

    # 30 days on, the night's accrual: 2,000.00 × 0.119476 × 30 ÷ 365 = 19.639… = 19.64. A payout of
    # 1,000.00 repays the interest, then 980.36 of principal: available 4,000.00 + 980.36 = 4,980.36.
    clock.advance(timedelta(days=30))
    loans.accrue_interest(world, CONTEXT, first_loan.id, clock.now().date() - timedelta(days=1))
    client.cookies.clear()
    operations = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    seller_id = line["seller_id"]
    repaid = client.post(PAYOUTS, headers=operations, json={
        "seller_id": seller_id, "amount": "1000.00", "currency": "USD", "reference": "E2E-LINE-1"})
    assert repaid.status_code == 201, repaid.text
    assert [(row["interest"], row["principal"]) for row in repaid.json()["repayments"]] == [
        ("19.64", "980.36")]
    # Operations see every seller's lines.
    seen = client.get(f"{LINES}/{line['id']}", headers=operations).json()
    assert _figures(seen) == ("6000.00", "1019.64", "4980.36")

    # Drawn again, all that is available: 4,980.36 × 1 % = 49.8036 → 49.80 fee, 4,930.56 paid out.
    client.cookies.clear()
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo")
    second = client.post(draws, headers={**headers, "Idempotency-Key": "e2e-draw-2"},
                         json={"amount": "4980.36"})
    assert second.status_code == 201, second.text
    assert (second.json()["origination_fee"], second.json()["paid_out"], second.json()["loan_status"]) == (
        "49.80", "4930.56", "active")
    assert _figures(client.get(f"{LINES}/{line['id']}", headers=headers).json()) == (
        "6000.00", "6000.00", "0.00")

    # The same day a payout of 6,000.00 repays both draws (1,019.64 + 4,980.36; no interest since the
    # night's accrual): both loans close, the whole limit is available again.
    client.cookies.clear()
    operations = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    closing = client.post(PAYOUTS, headers=operations, json={
        "seller_id": seller_id, "amount": "6000.00", "currency": "USD", "reference": "E2E-LINE-2"})
    assert closing.status_code == 201, closing.text
    assert (closing.json()["released"], sorted(row["principal"] for row in closing.json()["repayments"])) == (
        "0.00", ["1019.64", "4980.36"])
    final = client.get(f"{LINES}/{line['id']}", headers=operations).json()
    assert _figures(final) == ("6000.00", "0.00", "6000.00")
    assert [(row["amount"], row["loan_status"], row["principal_outstanding"]) for row in final["draws"]] == [
        ("2000.00", "closed", "0.00"), ("4980.36", "closed", "0.00")]
    for row in final["draws"]:
        loan = client.get(f"/api/v1/lending/loans/{row['loan_id']}", headers=operations).json()
        assert (loan["status"], loan["balances"]["total"]) == ("closed", "0.00")

    # The books: the wallet got 1,980.00 + 4,930.56 and paid nothing (every payout went to the draws);
    # fees 20.00 + 49.80 = 69.80; the funder's capital is all back; the bank got both payouts.
    end = books(world, first_loan)
    assert end.wallet - start.wallet == D("6910.56")
    assert end.income_fees - start.income_fees == D("69.80")
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert end.bank - start.bank == D("7000.00")
    # Interest 19.64: the funder 80 % = 15.712 → 15.71, the platform the rest, 3.93.
    assert end.funder_income - start.funder_income == D("15.71")
    assert end.income_interest - start.income_interest == D("3.93")
    # Every entry sums to zero per currency, every account's balance is the sum of its postings.
    assert ledger.check_invariants(world).hold
