"""Order financing end to end through the API, for Lumen (the demo seller that finances its purchase
orders): apply → referred (the supplier is checked by a person) → a risk officer approves → the seller
accepts and books the loan naming the shipment → contract signed by the seller (one-time code) and
countersigned by the platform → the carrier reports the goods in transit, then in the Frankfurt
warehouse: the last condition met disburses the loan → a marketplace payout repays it in full → closed,
every balance as computed by hand and the ledger balanced."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from tests.lending.end_to_end.journey import SUPPLIER, WAREHOUSE, Journey, assert_ledger_balanced
from tests.lending.loans.conftest import books

D = Decimal
SELLER = "owner@lumen.demo"


def test_order_financing_from_application_to_a_closed_loan(client: TestClient, world: Session,
                                                           clock: FrozenClock) -> None:
    journey = Journey(client, world, clock, SELLER)

    # Restricted use of funds, and no supplier on an approved list yet: a person checks the payee.
    application = journey.apply("order_financing", "8000.00", 30, payee=SUPPLIER)
    assert (application["status"], application["offer"]) == ("in_review", None)
    reviewed = journey.approve_on_review(application["id"], "Supplier checked against the purchase order")
    offer = reviewed["offer"]
    # The risk engine's price for Lumen (grade A): 11.8978 % a year; fee 1 % of 8,000.00 = 80.00.
    assert (reviewed["status"], offer["amount"], offer["tenor_days"], offer["annual_rate"],
            offer["origination_fee"], offer["disbursed_amount"], offer["repayment_method"]) == (
        "offered", "8000.00", 30, "0.118978", "80.00", "7920.00", "bullet")
    assert journey.accept(offer["id"])["status"] == "accepted"

    tracking_number = f"SF{offer['id'].replace('-', '')[:12].upper()}"
    loan = journey.book(offer["id"], shipment=(tracking_number, WAREHOUSE))
    loan_id, seller_id = loan["id"], loan["seller_id"]
    # Booked on 15 October: one bullet of 8,000.00 + 8,000.00 × 0.118978 × 30 / 365 = 78.2321… → 78.23.
    assert (loan["status"], loan["principal"], loan["origination_fee"], loan["start_on"],
            [(row["due_on"], row["principal"], row["interest"]) for row in loan["schedule"]]) == (
        "awaiting_disbursement", "8000.00", "80.00", "2026-10-15", [("2026-11-14", "8000.00", "78.23")])
    stored = journey.stored(loan_id)
    start = books(world, stored)

    signed = journey.sign_contract(offer["id"])
    assert (signed["status"], signed["seller_signer_name"] is not None,
            signed["platform_signer_name"] is not None) == ("signed", True, True)
    # Signed, but the goods have not arrived: the loan waits.
    waiting = journey.conditions(loan_id)
    assert [(row["kind"], row["status"]) for row in waiting["conditions"]] == [
        ("contract_signed", "met"), ("goods_arrived", "unmet")]
    assert (waiting["status"], waiting["disbursements"]) == ("awaiting_disbursement", [])

    # Three days later the carrier reports the shipment picked up, then delivered into the warehouse.
    clock.advance(timedelta(days=3))
    journey.carrier_reports(tracking_number, WAREHOUSE, arrived=False, at=clock.now() - timedelta(hours=6))
    assert journey.conditions(loan_id)["status"] == "awaiting_disbursement"
    journey.carrier_reports(tracking_number, WAREHOUSE, arrived=True, at=clock.now() - timedelta(hours=2))
    disbursed = journey.conditions(loan_id)
    assert (disbursed["status"], disbursed["all_met"]) == ("active", True)
    latest = disbursed["evaluations"][0]
    assert (latest["event"], latest["kind"], latest["result"]) == (
        "shipment_tracking", "goods_arrived", "met")
    assert [(row["method"], row["amount"], row["status"], row["triggered_by"])
            for row in disbursed["disbursements"]] == [("wallet", "7920.00", "completed", "conditions_met")]
    active = journey.loan(loan_id)
    # Interest runs from the day the money left (18 October): the bullet moves to 17 November, the
    # interest for 30 days is the same 78.23.
    assert (active["start_on"], active["maturity_on"], active["balances"],
            [(row["due_on"], row["principal"], row["interest"]) for row in active["schedule"]]) == (
        "2026-10-18", "2026-11-17",
        {"principal": "8000.00", "interest": "0.00", "fees": "0.00", "total": "8000.00"},
        [("2026-11-17", "8000.00", "78.23")])
    world.refresh(stored)
    paid_out = books(world, stored)
    # Dr loan:principal 8,000.00; Cr seller:wallet 7,920.00 and platform:income:fees 80.00;
    # Dr funder:available / Cr funder:deployed 8,000.00.
    assert (paid_out.principal, paid_out.wallet - start.wallet, paid_out.income_fees - start.income_fees,
            start.funder_available - paid_out.funder_available,
            paid_out.funder_deployed - start.funder_deployed) == (
        D("8000.00"), D("7920.00"), D("80.00"), D("8000.00"), D("8000.00"))
    assert_ledger_balanced(world)

    # On the maturity day the marketplace pays out 12,500.00: interest of 18 October to 16 November
    # (30 days) is accrued first, 78.23; the loan takes 78.23 + 8,000.00 = 8,078.23 and the wallet the
    # rest, 12,500.00 − 8,078.23 = 4,421.77.
    clock.advance(timedelta(days=30))
    payout = journey.payout(seller_id, "12500.00", "AMZ-E2E-ORDER-1")
    assert (payout["received_on"], payout["released"],
            [(row["fees"], row["interest"], row["principal"], row["total"])
             for row in payout["repayments"]]) == (
        "2026-11-17", "4421.77", [("0.00", "78.23", "8000.00", "8078.23")])
    closed = journey.loan(loan_id)
    # interest-split@v1: the funder 80 % of 78.23 = 62.584 → 62.58, the platform the rest, 15.65.
    assert (closed["status"], closed["closed_at"], closed["interest_accrued"], closed["funder_interest"],
            closed["platform_interest"], closed["balances"]) == (
        "closed", "2026-11-17T12:00:00Z", "78.23", "62.58", "15.65",
        {"principal": "0.00", "interest": "0.00", "fees": "0.00", "total": "0.00"})
    assert journey.repayments(loan_id) == [("2026-11-17", "AMZ-E2E-ORDER-1", "0.00", "78.23", "8000.00")]

    world.refresh(stored)
    end = books(world, stored)
    assert (end.principal, end.interest, end.fees, end.collections) == (D("0.00"),) * 4
    assert end.wallet - start.wallet == D("7920.00") + D("4421.77")
    assert end.bank - start.bank == D("12500.00")
    assert (end.income_fees - start.income_fees, end.income_interest - start.income_interest,
            end.funder_income - start.funder_income) == (D("80.00"), D("15.65"), D("62.58"))
    # The funder's capital is back where it was: 8,000.00 lent, 8,000.00 repaid.
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert_ledger_balanced(world)
