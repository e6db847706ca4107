"""Collections through the API: days past due, the actions a seller and staff see, write-off and
recovery by operations, refused to sellers; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.ledger import service as ledger
from fourflow.lending.collections import service
from tests.helpers import sign_in
from tests.lending.collections.conftest import disbursed_loan
from tests.lending.collections.test_collections import rows
from tests.lending.loans.conftest import CONTEXT

LOANS = "/api/v1/lending/loans"
COLLECTIONS = "/api/v1/lending/collections"


def _headers(client: TestClient, email: str) -> dict[str, str]:
    client.cookies.clear()
    return {"X-CSRF-Token": sign_in(client, email)}


def test_collections_through_the_api(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
    service.collect_loan(demo, CONTEXT, loan.id, date(2026, 12, 15))

    seller = _headers(client, "owner@lumen.demo")  # prefers Chinese
    late = client.get(f"{LOANS}/{loan.id}/delinquency", headers=seller)
    assert late.status_code == 200, late.text
    assert {key: late.json()[key] for key in ("days_past_due", "bucket", "overdue", "oldest_unpaid_due_on",
                                              "willingness")} == {
        "days_past_due": 31, "bucket": "31-60", "overdue": "10098.63", "oldest_unpaid_due_on": "2026-11-14",
        "willingness": "unwilling"}
    future = client.get(f"{LOANS}/{loan.id}/delinquency", headers=seller, params={"as_of": "2026-12-16"})
    assert (future.status_code, future.json()["error"]) == (422, "as_of_date_in_future")
    own = client.get(COLLECTIONS, headers=seller, params={"loan_id": str(loan.id)})
    assert own.status_code == 200, own.text
    assert sorted(item["action"] for item in own.json()["items"]) == [
        "call_task", "formal_notice", "reminder"]
    before = rows(demo)
    refused = client.post(f"{LOANS}/{loan.id}/write-off", headers=seller, json={"reason": "x"})
    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    assert rows(demo) == before

    other = _headers(client, "owner@silkroad.demo")
    assert client.get(COLLECTIONS, headers=other).json()["items"] == []
    assert client.get(f"{LOANS}/{loan.id}/delinquency", headers=other).status_code == 404

    operations = _headers(client, "operations@fourflow.demo")
    listed = client.get(COLLECTIONS, headers=operations, params={"action": "reminder"}).json()["items"]
    assert [(item["loan_id"], item["action"], item["days_past_due"]) for item in listed] == [
        (str(loan.id), "reminder", 31)]
    assert listed[0]["reasons"][0] == (
        "31 days past due: the instalment due on 2026-11-14 is not fully repaid.")
    before = rows(demo)
    early = client.post(f"{LOANS}/{loan.id}/write-off", headers=operations, json={"reason": "gone"})
    assert (early.status_code, early.json()["error"]) == (409, "loan_not_delinquent_enough")
    assert rows(demo) == before

    clock.set(datetime(2027, 2, 13, 12, 0, tzinfo=UTC))  # 91 days past due
    operations = _headers(client, "operations@fourflow.demo")  # the earlier session has expired
    written = client.post(f"{LOANS}/{loan.id}/write-off", headers=operations, json={"reason": "gone"})
    assert written.status_code == 200, written.text
    assert {key: written.json()[key] for key in ("principal", "interest", "fees", "funder_loss")} == {
        "principal": "10000.00", "interest": "0.00", "fees": "0.00", "funder_loss": "10000.00"}
    body = {"amount": "250.00", "currency": "USD", "reference": "court-1"}
    first = client.post(f"{LOANS}/{loan.id}/recoveries", headers=operations, json=body)
    again = client.post(f"{LOANS}/{loan.id}/recoveries", headers=operations, json=body)
    assert (first.status_code, again.status_code, again.json()["id"]) == (201, 200, first.json()["id"])
    settled = rows(demo)
    bad = client.post(f"{LOANS}/{loan.id}/recoveries", headers=operations,
                      json={**body, "reference": "court-2", "amount": "-1"})
    assert (bad.status_code, bad.json()["error"]) == (422, "recovery_amount_invalid")
    assert rows(demo) == settled
    assert ledger.check_invariants(demo).hold
