"""The daily advance through the API: a seller with a receivables-financing loan enrols, the morning
job advances 80 % of yesterday's shipped-but-unpaid sales, the marketplace's payout of those orders
arrives and nets the advance first (fee, then principal), the rest repays the loan and reaches the
wallet; the payout delivered again changes nothing; the ledger's invariants hold throughout."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.database import Database
from fourflow.ledger import service as ledger
from fourflow.lending.loans.tasks import advance_all
from tests.helpers import count, sign_in
from tests.lending.advance_helpers import receivables_facility, settlement, shipped_order
from tests.lending.loans.conftest import NOW, seller_id

ADVANCES = "/api/v1/lending/daily-advances"
ENROLMENT = f"{ADVANCES}/enrolment"
PAYOUTS = "/api/v1/lending/payouts"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def test_advances_paid_then_netted_by_the_payout(client: TestClient, demo: Session, database: Database,
                                                 clock: FrozenClock) -> None:
    seller = seller_id(demo)
    owner = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    # Bad input first: no receivables facility yet — refused, nothing stored.
    rows = count(demo, "lending_daily_advance_enrolments")
    refused = client.post(ENROLMENT, headers=owner, json={})
    assert (refused.status_code, refused.json()["error"]) == (409, "receivables_facility_missing")
    assert count(demo, "lending_daily_advance_enrolments") == rows
    assert client.get(ENROLMENT, headers=owner).json()["enrolled"] is False

    facility = receivables_facility(demo, seller)  # 10,000.00 USD, disbursed today (15 October)
    enrolled = client.post(ENROLMENT, headers=owner, json={"loan_id": str(facility.id)})
    assert enrolled.status_code == 201, enrolled.text
    assert {name: enrolled.json()[name] for name in (
        "enrolled", "loan_id", "terms_version", "advance_share", "fee_rate", "cap", "currency")} == {
        "enrolled": True, "loan_id": str(facility.id), "terms_version": "daily-advance@v1",
        "advance_share": "0.8", "fee_rate": "0.001", "cap": "10000.00", "currency": "USD"}
    twice = client.post(ENROLMENT, headers=owner, json={})
    assert (twice.status_code, twice.json()["error"]) == (409, "daily_advance_already_enrolled")

    # Two days of shipped orders: 15 October 2,000.00 + 500.00; 16 October 1,111.11.
    shipped_order(demo, seller, "7001", "2000.00", datetime(2026, 10, 15, 9, tzinfo=UTC))
    shipped_order(demo, seller, "7002", "500.00", datetime(2026, 10, 15, 14, tzinfo=UTC))
    shipped_order(demo, seller, "7101", "1111.11", datetime(2026, 10, 16, 10, tzinfo=UTC))
    wallet = ledger.open_account(demo, seller, "seller:wallet", "USD")
    demo.refresh(wallet)
    wallet_before = ledger.balance(demo, wallet).posted

    clock.set(datetime(2026, 10, 16, 5, tzinfo=UTC))
    assert advance_all(database, date(2026, 10, 15)) == {seller: "advanced"}
    assert advance_all(database, date(2026, 10, 15)) == {seller: "already_advanced"}
    clock.set(datetime(2026, 10, 17, 5, tzinfo=UTC))
    assert advance_all(database, date(2026, 10, 16)) == {seller: "advanced"}
    # 15th: 80 % of 2,500.00 = 2,000.00, fee 0.1 % = 2.00. 16th: 80 % of 1,111.11 = 888.888 → 888.88,
    # fee 0.88888 → 0.89. The wallet gets 2,000.00 + 888.88 = 2,888.88.
    client.cookies.clear()  # the session of two days ago has expired: sign in again
    owner = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    listed = client.get(ADVANCES, headers=owner).json()
    assert listed["total"] == 2
    assert [(item["sales_on"], item["sales"], item["advance"], item["fee"], item["outstanding"],
             item["status"], item["orders_count"], [order["order_id"] for order in item["orders"]])
            for item in listed["items"]] == [
        ("2026-10-16", "1111.11", "888.88", "0.89", "889.77", "outstanding", 1, ["7101"]),
        ("2026-10-15", "2500.00", "2000.00", "2.00", "2002.00", "outstanding", 2, ["7001", "7002"])]
    demo.refresh(wallet)
    assert ledger.balance(demo, wallet).posted - wallet_before == Decimal("2888.88")
    assert ledger.check_invariants(demo).hold

    # The payout of the 15th's orders on the 29th: 2,600.00 nets 2.00 + 2,000.00 = 2,002.00 of the first
    # advance; the second (its order not in this payout, not due) waits. 598.00 goes on to the loan.
    clock.set(datetime(2026, 10, 29, 12, tzinfo=UTC))
    settlement(demo, seller, "SHOP-2910", {"7001": "2000.00", "7002": "500.00", "6999": "100.00"},
               datetime(2026, 10, 29, 6, tzinfo=UTC))
    client.cookies.clear()
    operations = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    payout = {"seller_id": str(seller), "amount": "2600.00", "currency": "USD", "reference": "SHOP-2910"}
    applied = client.post(PAYOUTS, headers=operations, json=payout)
    assert applied.status_code == 201, applied.text
    first_id = listed["items"][1]["id"]
    assert [(row["advance_id"], row["fees"], row["principal"])
            for row in applied.json()["advances_netted"]] == [(first_id, "2.00", "2000.00")]
    # The loan's sweep: 25 % of 598.00 = 149.50 (interest of 14 days, 10,000 × 0.12 × 14 ÷ 365 = 46.03,
    # then 103.47 of principal); 448.50 reaches the wallet.
    assert [(row["interest"], row["principal"]) for row in applied.json()["repayments"]] == [
        ("46.03", "103.47")]
    assert applied.json()["released"] == "448.50"
    repeated = client.post(PAYOUTS, headers=operations, json=payout)
    assert (repeated.status_code, repeated.json()) == (200, applied.json())

    client.cookies.clear()
    owner = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    after = {item["id"]: item for item in client.get(ADVANCES, headers=owner).json()["items"]}
    netted = after[first_id]
    assert (netted["status"], netted["outstanding"], netted["nettings"][0]["fees"]) == (
        "netted", "0.00", "2.00")
    assert after[listed["items"][0]["id"]]["status"] == "outstanding"
    principal = ledger.open_account(demo, seller, "loan:principal", "USD", subject="daily-advances")
    demo.refresh(principal)
    assert ledger.balance(demo, principal).posted == Decimal("888.88")
    demo.refresh(wallet)
    assert ledger.balance(demo, wallet).posted - wallet_before == Decimal("2888.88") + Decimal("448.50")
    assert ledger.check_invariants(demo).hold

    left = client.delete(ENROLMENT, headers=owner)
    assert (left.status_code, left.json()["enrolled"]) == (200, False)
    assert advance_all(database, date(2026, 10, 28)) == {}
    again = client.delete(ENROLMENT, headers=owner)
    assert (again.status_code, again.json()["error"]) == (409, "daily_advance_not_enrolled")
    assert isinstance(uuid.UUID(first_id), uuid.UUID)
