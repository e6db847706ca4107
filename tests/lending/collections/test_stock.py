"""Remote lock and release of pledged stock through the warehouse port (the simulator), with its
circuit breaker; the simulator refuses to ship locked units."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.lending.collections import service
from fourflow.lending.collections.errors import (
    LockedStockNotShippable,
    NoStockToLock,
    NoStockToRelease,
    StockActionReasonMissing,
    WarehouseUnavailable,
)
from fourflow.lending.collections.warehouse.registry import GuardedWarehouse, install
from fourflow.lending.collections.warehouse.simulator import SimulatedWarehouse
from fourflow.lending.loans import service as loans
from tests.helpers import sign_in
from tests.lending.collections.conftest import disbursed_loan
from tests.lending.collections.test_collections import rows
from tests.lending.loans.conftest import CONTEXT

TABLES = ("lending_stock_lock_events", "audit_events")


def stock_rows(session: Session) -> dict[str, int]:
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES}


@pytest.fixture
def warehouse() -> Iterator[SimulatedWarehouse]:
    simulated = SimulatedWarehouse()
    install(GuardedWarehouse(simulated, failure_threshold=2))
    yield simulated
    install(None)


def _stocked(warehouse: SimulatedWarehouse, seller: object) -> None:
    warehouse.stock(str(seller), "LED-STRIP-5M", on_hand=100, pledged=60)
    warehouse.stock(str(seller), "USB-C-HUB", on_hand=50, pledged=0)


def test_lock_ship_and_release(demo: Session, clock: FrozenClock, warehouse: SimulatedWarehouse) -> None:
    loan = disbursed_loan(demo)
    seller = str(loan.seller_organisation_id)
    _stocked(warehouse, seller)
    with pytest.raises(StockActionReasonMissing):
        service.lock_pledged_stock(demo, CONTEXT, loan.id, " ")
    locked = service.lock_pledged_stock(demo, CONTEXT, loan.id, "Officer: seller stopped answering")
    assert [(event.kind, event.sku, event.units) for event in locked] == [("lock", "LED-STRIP-5M", 60)]
    assert service.locked_units(demo, loan.id) == {"LED-STRIP-5M": 60}
    # 100 on hand, 60 locked: 40 may leave, 41 may not.
    with pytest.raises(LockedStockNotShippable) as refused:
        warehouse.ship(seller, "LED-STRIP-5M", 41)
    assert str(refused.value) == ("41 units of LED-STRIP-5M cannot be shipped: 60 are locked as security "
                                  "for a loan, 40 can be shipped.")
    assert warehouse.ship(seller, "LED-STRIP-5M", 40).on_hand == 60
    before = stock_rows(demo)
    with pytest.raises(NoStockToLock):
        service.lock_pledged_stock(demo, CONTEXT, loan.id, "again")
    assert stock_rows(demo) == before

    released = service.release_stock(demo, CONTEXT, loan.id, "Officer: agreed a repayment plan")
    assert [(event.kind, event.sku, event.units) for event in released] == [("release", "LED-STRIP-5M", 60)]
    assert service.locked_units(demo, loan.id) == {}
    assert warehouse.ship(seller, "LED-STRIP-5M", 60).on_hand == 0
    with pytest.raises(NoStockToRelease):
        service.release_stock(demo, CONTEXT, loan.id, "again")
    actions = demo.execute(text("SELECT action FROM audit_events WHERE subject_id = :s AND action LIKE "
                                "'lending:stock:%' ORDER BY sequence"), {"s": str(loan.id)}).scalars().all()
    assert actions == ["lending:stock:locked", "lending:stock:released"]


def test_an_unreachable_warehouse_changes_nothing_and_opens_the_breaker(
        demo: Session, clock: FrozenClock, warehouse: SimulatedWarehouse) -> None:
    loan = disbursed_loan(demo)
    _stocked(warehouse, loan.seller_organisation_id)
    warehouse.unreachable = True
    before = stock_rows(demo)
    for _ in range(3):  # two failures open the breaker; the third is not even tried
        with pytest.raises(WarehouseUnavailable):
            service.lock_pledged_stock(demo, CONTEXT, loan.id, "61+ days past due")
    assert stock_rows(demo) == before
    assert str(service.locked_units(demo, loan.id)) == "{}"


def test_the_strategy_locks_at_61_days_and_repayment_releases(
        demo: Session, clock: FrozenClock, warehouse: SimulatedWarehouse) -> None:
    loan = disbursed_loan(demo)
    _stocked(warehouse, loan.seller_organisation_id)
    clock.set(datetime(2027, 1, 14, 12, 0, tzinfo=UTC))  # 14 November + 61 days
    created = service.collect_loan(demo, CONTEXT, loan.id, date(2027, 1, 14))
    assert [action.action for action in created] == ["formal_notice", "stock_lock"]
    queued = demo.execute(text("SELECT args FROM procrastinate_jobs WHERE task_name = "
                               "'lending:lock_pledged_stock'")).scalars().all()
    assert queued == [{"loan_id": str(loan.id), "action_id": str(created[1].id)}]
    # The job's body, after the run commits:
    service.lock_pledged_stock(demo, CONTEXT, loan.id, "collections@v1: 61 or more days past due")
    assert service.loans_with_locked_stock(demo) == [loan.id]
    assert service.release_if_repaid(demo, CONTEXT, loan.id) == []  # still owed
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2027, 1, 13))
    owed = loans.balances(demo, loan).total.amount
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, owed, "USD", "repaid-in-full")
    assert loan.status == "closed"
    released = service.release_if_repaid(demo, CONTEXT, loan.id)
    assert [(event.kind, event.units, event.reason) for event in released] == [("release", 60, "Loan repaid")]
    assert service.loans_with_locked_stock(demo) == []


def test_stock_through_the_api(client: TestClient, demo: Session, clock: FrozenClock,
                               warehouse: SimulatedWarehouse) -> None:
    loan = disbursed_loan(demo)
    _stocked(warehouse, loan.seller_organisation_id)
    seller = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    before = rows(demo)
    refused = client.post(f"/api/v1/lending/loans/{loan.id}/stock/lock", headers=seller, json={"reason": "x"})
    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    assert rows(demo) == before
    client.cookies.clear()
    risk = {"X-CSRF-Token": sign_in(client, "risk@fourflow.demo")}
    locked = client.post(f"/api/v1/lending/loans/{loan.id}/stock/lock", headers=risk,
                         json={"reason": "Officer's decision"})
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked"] == {"LED-STRIP-5M": 60}
    client.cookies.clear()
    seller = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    seen = client.get(f"/api/v1/lending/loans/{loan.id}/stock", headers=seller).json()
    assert [(event["kind"], event["sku"], event["units"]) for event in seen["events"]] == [
        ("lock", "LED-STRIP-5M", 60)]
