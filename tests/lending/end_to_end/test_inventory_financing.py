"""Inventory financing end to end through the API, for Nimbus Beauty (stock in a partner warehouse):
apply → referred (the supplier is checked by a person) → a risk officer approves → the seller accepts,
books, signs (one-time code) and the platform countersigns, which disburses the loan → a risk officer
locks the stock pledged at the warehouse → the first instalment is paid from a payout on its due day,
the rest from the next month's payout → closed, and the daily collections run releases the stock;
every balance as computed by hand and the ledger balanced.

The warehouse is the demo world's simulated one (the warehouse port's fake), holding the seller's
goods: 400 units of one SKU, 250 of them pledged to the platform."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.database import Database
from fourflow.lending.collections.tasks import collect_all
from fourflow.lending.collections.warehouse.port import StockPosition
from fourflow.lending.collections.warehouse.registry import GuardedWarehouse, install
from fourflow.lending.collections.warehouse.simulator import SimulatedWarehouse
from tests.lending.end_to_end.journey import (
    LOANS,
    OPERATIONS,
    RISK_OFFICER,
    SUPPLIER,
    Journey,
    assert_ledger_balanced,
    schedule,
)
from tests.lending.loans.conftest import books

D = Decimal
SELLER = "owner@nimbus-beauty.demo"
SKU = "NB-SERUM-30ML"


@pytest.fixture
def warehouse() -> Iterator[SimulatedWarehouse]:
    simulated = SimulatedWarehouse()
    install(GuardedWarehouse(simulated))
    yield simulated
    install(None)


def test_inventory_financing_from_application_to_a_closed_loan(
        client: TestClient, world: Session, clock: FrozenClock, database: Database,
        warehouse: SimulatedWarehouse) -> None:
    journey = Journey(client, world, clock, SELLER)

    application = journey.apply("inventory_financing", "6000.00", 120, payee=SUPPLIER,
                                purpose="Stock for the spring range")
    assert (application["status"], application["offer"]) == ("in_review", None)
    reviewed = journey.approve_on_review(application["id"], "Pledged stock and supplier checked")
    offer = reviewed["offer"]
    # 11.8481 % a year; fee 1 % of 6,000.00 = 60.00; equal principal every 30 days, 1,500.00 each.
    assert (offer["amount"], offer["tenor_days"], offer["annual_rate"], offer["origination_fee"],
            offer["disbursed_amount"], offer["repayment_method"]) == (
        "6000.00", 120, "0.118481", "60.00", "5940.00", "equal_instalments")
    assert journey.accept(offer["id"])["status"] == "accepted"
    loan = journey.book(offer["id"])
    loan_id, seller_id = loan["id"], loan["seller_id"]
    stored = journey.stored(loan_id)
    start = books(world, stored)
    warehouse.stock(seller_id, SKU, on_hand=400, pledged=250)

    # Before the money leaves, there is nothing to lock: the loan is not active.
    officer = journey.as_staff(RISK_OFFICER)
    refused = client.post(f"{LOANS}/{loan_id}/stock/lock", headers=officer, json={"reason": "Security"})
    assert (refused.status_code, refused.json()["error"]) == (409, "loan_not_active")

    assert journey.sign_contract(offer["id"])["status"] == "signed"
    active = journey.loan(loan_id)
    # Interest on the outstanding principal for each 30 days: 6,000.00 × 0.118481 × 30 / 365 =
    # 58.428… → 58.43; 4,500.00 × … = 43.821… → 43.82; 3,000.00 × … = 29.214… → 29.21;
    # 1,500.00 × … = 14.607… → 14.61.
    assert (active["status"], active["start_on"], active["maturity_on"],
            schedule(active)) == (
        "active", "2026-10-15", "2027-02-12",
        [("2026-11-14", "1500.00", "58.43", "1558.43"), ("2026-12-14", "1500.00", "43.82", "1543.82"),
         ("2027-01-13", "1500.00", "29.21", "1529.21"), ("2027-02-12", "1500.00", "14.61", "1514.61")])
    world.refresh(stored)
    paid_out = books(world, stored)
    # Dr loan:principal 6,000.00; Cr seller:wallet 5,940.00 and platform:income:fees 60.00.
    assert (paid_out.principal, paid_out.wallet - start.wallet, paid_out.income_fees - start.income_fees,
            paid_out.funder_deployed - start.funder_deployed) == (
        D("6000.00"), D("5940.00"), D("60.00"), D("6000.00"))
    assert_ledger_balanced(world)

    # The risk officer locks the pledged units at the warehouse: 250 of the 400 may not leave.
    officer = journey.as_staff(RISK_OFFICER)
    locked = journey.call("POST", f"{LOANS}/{loan_id}/stock/lock", officer, 200,
                          json={"reason": "Pledged stock locked as security for the loan"})
    assert locked["locked"] == {SKU: 250}
    assert warehouse.positions(seller_id) == [StockPosition(SKU, on_hand=400, pledged=250, locked=250)]
    seen = journey.call("GET", f"{LOANS}/{loan_id}/stock", journey.as_seller(), 200)
    assert [(event["kind"], event["sku"], event["units"]) for event in seen["events"]] == [("lock", SKU, 250)]

    # The first instalment is paid on its due day, exactly: a payout of 1,558.43 (58.43 interest,
    # 1,500.00 principal), none of it left for the wallet.
    clock.advance(timedelta(days=30))
    first = journey.payout(seller_id, "1558.43", "AMZ-E2E-INV-1")
    assert (first["received_on"], first["released"], [(row["interest"], row["principal"])
                                                      for row in first["repayments"]]) == (
        "2026-11-14", "0.00", [("58.43", "1500.00")])
    assert journey.loan(loan_id)["status"] == "active"
    # Still owed: the daily run leaves the stock locked.
    collect_all(database, clock.now().date())
    assert journey.call("GET", f"{LOANS}/{loan_id}/stock", journey.as_seller(), 200)["locked"] == {SKU: 250}

    # A month later a payout of 9,000.00 repays the rest early, without a charge: 43.82 interest on
    # 4,500.00 for 30 days and the 4,500.00; 9,000.00 − 4,543.82 = 4,456.18 reaches the wallet.
    clock.advance(timedelta(days=30))
    second = journey.payout(seller_id, "9000.00", "AMZ-E2E-INV-2")
    assert (second["received_on"], second["released"], [(row["interest"], row["principal"])
                                                        for row in second["repayments"]]) == (
        "2026-12-14", "4456.18", [("43.82", "4500.00")])
    closed = journey.loan(loan_id)
    # Interest 58.43 + 43.82 = 102.25; the funder 80 %, 81.80, the platform 20.45.
    assert (closed["status"], closed["closed_at"], closed["interest_accrued"], closed["funder_interest"],
            closed["platform_interest"], closed["balances"]["total"]) == (
        "closed", "2026-12-14T12:00:00Z", "102.25", "81.80", "20.45", "0.00")
    assert journey.repayments(loan_id) == [
        ("2026-11-14", "AMZ-E2E-INV-1", "0.00", "58.43", "1500.00"),
        ("2026-12-14", "AMZ-E2E-INV-2", "0.00", "43.82", "4500.00")]

    # Repaid: the night's collections run gives the stock back to the seller.
    collect_all(database, clock.now().date())
    released = journey.call("GET", f"{LOANS}/{loan_id}/stock", journey.as_staff(OPERATIONS), 200)
    assert (released["locked"], [(event["kind"], event["units"], event["reason"])
                                 for event in released["events"]]) == (
        {}, [("lock", 250, "Pledged stock locked as security for the loan"), ("release", 250, "Loan repaid")])
    assert warehouse.positions(seller_id) == [StockPosition(SKU, on_hand=400, pledged=250, locked=0)]

    world.refresh(stored)
    end = books(world, stored)
    assert (end.principal, end.interest, end.fees, end.collections) == (D("0.00"),) * 4
    assert end.wallet - start.wallet == D("5940.00") + D("4456.18")
    assert end.bank - start.bank == D("10558.43")  # 1,558.43 + 9,000.00
    assert (end.income_fees - start.income_fees, end.income_interest - start.income_interest,
            end.funder_income - start.funder_income) == (D("60.00"), D("20.45"), D("81.80"))
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert_ledger_balanced(world)
