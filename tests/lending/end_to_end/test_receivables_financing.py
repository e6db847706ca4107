"""Receivables financing end to end through the API, for Willow Electronics (steady Amazon payouts, the
demo world's seller the risk engine lends to at once): apply → offer → accept → book → contract signed
by the seller (one-time code) and countersigned by the platform, which disburses the loan → three
monthly marketplace payouts, each swept for the loan (a quarter of it, raised to the minimum due) →
closed at maturity, every balance as computed by hand and the ledger balanced."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from tests.lending.end_to_end.journey import Journey, assert_ledger_balanced, schedule
from tests.lending.loans.conftest import books

D = Decimal
SELLER = "owner@willow-electronics.demo"


def test_receivables_financing_from_application_to_a_closed_loan(client: TestClient, world: Session,
                                                                 clock: FrozenClock) -> None:
    journey = Journey(client, world, clock, SELLER)

    application = journey.apply("receivables_financing", "10000.00", 90)
    offer = application["offer"]
    # Approved at once (grade A, within the per-transaction limit of 14,031.00): 11.7983 % a year, fee
    # 0.5 % of 10,000.00 = 50.00. The sweep's minimum every 30 days is a third of the principal,
    # 3,333.33 (the last 3,333.34), with the interest on what is outstanding for 30 days:
    # 10,000.00 × 0.117983 × 30 / 365 = 96.972… → 96.97; 6,666.67 × … = 64.648… → 64.65;
    # 3,333.34 × … = 32.324… → 32.32.
    assert (application["status"], offer["amount"], offer["annual_rate"], offer["origination_fee"],
            offer["disbursed_amount"], offer["repayment_method"]) == (
        "offered", "10000.00", "0.117983", "50.00", "9950.00", "payout_sweep")
    assert journey.accept(offer["id"])["status"] == "accepted"
    loan = journey.book(offer["id"])
    loan_id, seller_id = loan["id"], loan["seller_id"]
    assert (loan["status"], loan["remittance_rate"]) == ("awaiting_disbursement", "0.250000")
    stored = journey.stored(loan_id)
    start = books(world, stored)

    # The countersignature meets the only condition: the loan is disbursed in the signing request.
    assert journey.sign_contract(offer["id"])["status"] == "signed"
    conditions = journey.conditions(loan_id)
    assert (conditions["status"], [(row["event"], row["result"]) for row in conditions["evaluations"]]) == (
        "active", [("contract_countersigned", "met"), ("booking", "unmet")])
    active = journey.loan(loan_id)
    assert (active["start_on"], active["maturity_on"],
            schedule(active)) == (
        "2026-10-15", "2027-01-13",
        [("2026-11-14", "3333.33", "96.97", "3430.30"), ("2026-12-14", "3333.33", "64.65", "3397.98"),
         ("2027-01-13", "3333.34", "32.32", "3365.66")])
    world.refresh(stored)
    paid_out = books(world, stored)
    # Dr loan:principal 10,000.00; Cr seller:wallet 9,950.00 and platform:income:fees 50.00.
    assert (paid_out.principal, paid_out.wallet - start.wallet, paid_out.income_fees - start.income_fees,
            paid_out.funder_deployed - start.funder_deployed) == (
        D("10000.00"), D("9950.00"), D("50.00"), D("10000.00"))
    assert_ledger_balanced(world)

    # Each due day a payout arrives. A quarter of 12,000.00 is 3,000.00, less than the minimum due, so
    # the loan takes the minimum: 3,430.30, then 3,397.98; a quarter of 40,000.00 is 10,000.00, more
    # than the 3,365.66 left, which closes the loan. The wallet gets the rest of each payout.
    clock.advance(timedelta(days=30))
    first = journey.payout(seller_id, "12000.00", "AMZ-E2E-RECV-1")
    assert (first["received_on"], first["released"], [(row["interest"], row["principal"], row["total"])
                                                      for row in first["repayments"]]) == (
        "2026-11-14", "8569.70", [("96.97", "3333.33", "3430.30")])  # 12,000.00 − 3,430.30
    assert journey.loan(loan_id)["balances"] == {
        "principal": "6666.67", "interest": "0.00", "fees": "0.00", "total": "6666.67"}
    clock.advance(timedelta(days=30))
    second = journey.payout(seller_id, "12000.00", "AMZ-E2E-RECV-2")
    assert (second["released"], [(row["interest"], row["principal"]) for row in second["repayments"]]) == (
        "8602.02", [("64.65", "3333.33")])  # 12,000.00 − 3,397.98
    clock.advance(timedelta(days=30))
    last = journey.payout(seller_id, "40000.00", "AMZ-E2E-RECV-3")
    assert (last["received_on"], last["released"], [(row["interest"], row["principal"])
                                                    for row in last["repayments"]]) == (
        "2027-01-13", "36634.34", [("32.32", "3333.34")])  # 40,000.00 − 3,365.66

    closed = journey.loan(loan_id)
    # Interest 96.97 + 64.65 + 32.32 = 193.94; interest-split@v1 gives the funder 80 % of the running
    # total, 193.94 × 0.8 = 155.152 → 155.15, and the platform the rest, 38.79.
    assert (closed["status"], closed["closed_at"], closed["interest_accrued"], closed["funder_interest"],
            closed["platform_interest"], closed["balances"]["total"]) == (
        "closed", "2027-01-13T12:00:00Z", "193.94", "155.15", "38.79", "0.00")
    assert journey.repayments(loan_id) == [
        ("2026-11-14", "AMZ-E2E-RECV-1", "0.00", "96.97", "3333.33"),
        ("2026-12-14", "AMZ-E2E-RECV-2", "0.00", "64.65", "3333.33"),
        ("2027-01-13", "AMZ-E2E-RECV-3", "0.00", "32.32", "3333.34")]

    world.refresh(stored)
    end = books(world, stored)
    assert (end.principal, end.interest, end.fees, end.collections) == (D("0.00"),) * 4
    # 9,950.00 disbursed + 8,569.70 + 8,602.02 + 36,634.34 released.
    assert end.wallet - start.wallet == D("63756.06")
    assert end.bank - start.bank == D("64000.00")
    assert (end.income_fees - start.income_fees, end.income_interest - start.income_interest,
            end.funder_income - start.funder_income) == (D("50.00"), D("38.79"), D("155.15"))
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert_ledger_balanced(world)
