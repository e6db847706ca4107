"""One product's whole life through the HTTP API, on the demo world (the base demo sellers and the
simulated ones the applications tests lend to, a credit model and the policy rules, a frozen clock):
the seller applies and, when the policy refers the application, a risk officer approves it; the
seller accepts the offer, books the loan, makes the contract, asks for the one-time code (read from
the mail the job sends) and signs, the platform countersigning at once; the carrier's tracking file
says the goods arrived (order financing); operations record the marketplace payouts, which repay the
loan until it is closed. Each step asserts its status code; the tests assert the amounts.

Every request goes through the application (sign-in by the login form, CSRF token, the seller's or
staff's permissions); the only things done beside it are what a person or an outside system does:
reading the mailed code, and moving the clock."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow import demo_seller_actions
from fourflow.core.clock import FrozenClock
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from tests.lending.applications.conftest import signed_in
from tests.lending.contracts.test_stored_contracts import _mailed_code

APPLICATIONS = "/api/v1/lending/applications"
OFFERS = "/api/v1/lending/offers"
REVIEW_QUEUE = "/api/v1/lending/review-queue"
LOANS = "/api/v1/lending/loans"
CONTRACTS = "/api/v1/lending/contracts"
PAYOUTS = "/api/v1/lending/payouts"
UPLOADS = "/api/v1/tradedata/uploads"
OPERATIONS = "operations@fourflow.demo"
RISK_OFFICER = "risk@fourflow.demo"
# The supplier the restricted-use products pay for (the demo world's; no supplier is on an approved
# list yet, so the policy refers these applications to a risk officer, who checks the payee).
SUPPLIER = "Dongguan Precision Moulds Ltd."
WAREHOUSE = "DE-FRA-01"

D = Decimal


@dataclass
class Journey:
    client: TestClient
    session: Session
    clock: FrozenClock
    seller_email: str

    # --- who is signed in ----------------------------------------------------------------------

    def as_seller(self) -> dict[str, str]:
        """The seller's owner, in a browser their seller has used for a month (a device first seen
        this week refers every credit decision to a person, by the policy)."""
        self.client.cookies.clear()
        return signed_in(self.client, self.seller_email, self.session)

    def as_staff(self, email: str) -> dict[str, str]:
        self.client.cookies.clear()
        return signed_in(self.client, email)

    def call(self, method: str, path: str, headers: dict[str, str], expected: int, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expected, (method, path, response.status_code, response.text)
        return response.json()

    # --- application, decision, offer ----------------------------------------------------------

    def apply(self, product: str, amount: str, tenor_days: int, *, payee: str | None = None,
              purpose: str = "Restock before the peak season") -> dict[str, Any]:
        """Draft and submit (the credit decision); the application as the decision left it."""
        seller = self.as_seller()
        draft = self.call("POST", APPLICATIONS, seller, 201, json={
            "product": product, "amount": amount, "currency": "USD", "tenor_days": tenor_days,
            "payee": payee, "purpose": purpose})
        submitted: dict[str, Any] = self.call(
            "POST", f"{APPLICATIONS}/{draft['id']}/submit",
            {**seller, "Idempotency-Key": f"e2e-{product}-submit"}, 200)
        return submitted

    def approve_on_review(self, application_id: str, reason: str) -> dict[str, Any]:
        """A risk officer finds the referred application in the queue and makes the offer."""
        officer = self.as_staff(RISK_OFFICER)
        queue = self.call("GET", REVIEW_QUEUE, officer, 200)
        assert application_id in [item["id"] for item in queue["items"]]
        reviewed: dict[str, Any] = self.call("POST", f"{REVIEW_QUEUE}/{application_id}/approve", officer, 200,
                                             json={"reason": reason})
        return reviewed

    def accept(self, offer_id: str) -> dict[str, Any]:
        accepted: dict[str, Any] = self.call("POST", f"{OFFERS}/{offer_id}/accept", self.as_seller(), 200)
        return accepted

    # --- loan, contract, conditions --------------------------------------------------------------

    def book(self, offer_id: str, *, shipment: tuple[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"offer_id": offer_id}
        if shipment is not None:
            body["shipment"] = {"tracking_number": shipment[0], "warehouse": shipment[1]}
        booking = {**self.as_seller(), "Idempotency-Key": f"e2e-{offer_id}"}
        loan: dict[str, Any] = self.call("POST", LOANS, booking, 201, json=body)
        return loan

    def sign_contract(self, offer_id: str) -> dict[str, Any]:
        """The seller makes the contract of the offer, asks for a code, reads it from the mail and
        signs; the platform countersigns in the same request."""
        seller = self.as_seller()
        contract = self.call("POST", CONTRACTS, seller, 201, json={"offer_id": offer_id})
        self.call("POST", f"{CONTRACTS}/{contract['id']}/signing-code", seller, 201)
        code, _mail = _mailed_code(self.session, contract["id"])
        signed: dict[str, Any] = self.call("POST", f"{CONTRACTS}/{contract['id']}/sign", seller, 200,
                                           json={"code": code})
        return signed

    def carrier_reports(self, tracking_number: str, warehouse: str, *, arrived: bool, at: datetime) -> None:
        """The carrier's AfterShip tracking file for the shipment, uploaded for the seller through the
        trade-data API (as the seller's tracking connector does)."""
        tracking = demo_seller_actions.tracking_file(tracking_number, warehouse, arrived=arrived, at=at)
        self.call("POST", UPLOADS, self.as_seller(), 201, data={"format": "tracking-json"},
                  files={"file": ("tracking.json", io.BytesIO(tracking), "application/json")})

    def conditions(self, loan_id: str) -> dict[str, Any]:
        operations = self.as_staff(OPERATIONS)
        found: dict[str, Any] = self.call("GET", f"{LOANS}/{loan_id}/conditions", operations, 200)
        return found

    # --- money back ----------------------------------------------------------------------------------

    def payout(self, seller_id: str, amount: str, reference: str) -> dict[str, Any]:
        """A marketplace payout for the seller, recorded by operations: it repays the seller's loans."""
        applied: dict[str, Any] = self.call("POST", PAYOUTS, self.as_staff(OPERATIONS), 201, json={
            "seller_id": seller_id, "amount": amount, "currency": "USD", "reference": reference})
        return applied

    def loan(self, loan_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"{LOANS}/{loan_id}", self.as_seller(), 200)
        return found

    def repayments(self, loan_id: str) -> list[tuple[str, str, str, str, str]]:
        """(paid on, payout reference, fees, interest, principal) of each repayment, as the seller
        reads them."""
        return [(row["paid_on"], row["payout_reference"], row["fees"], row["interest"], row["principal"])
                for row in self.call("GET", f"{LOANS}/{loan_id}/repayments", self.as_seller(), 200)]

    def stored(self, loan_id: str) -> Loan:
        return loans.get_loan(self.session, uuid.UUID(loan_id), None)


def schedule(loan: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(due on, principal, interest, total) of each instalment of a loan as the API answers it."""
    return [(row["due_on"], row["principal"], row["interest"], row["total"]) for row in loan["schedule"]]


def assert_ledger_balanced(session: Session) -> None:
    """MONEY-FLOWS invariants: the postings of every currency (and phase) sum to zero, and every
    account's running balance equals the sum of its postings."""
    invariants = ledger.check_invariants(session)
    assert invariants.unbalanced_currencies == {}
    assert invariants.accounts_out_of_step == []
