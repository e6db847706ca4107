"""The credit lines API: a seller lists and reads its own lines only, draws with an Idempotency-Key
(201, then 200 for the same key), is refused with a localised message that stores nothing, and staff
read every seller's lines."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from tests.helpers import sign_in
from tests.lending.conditions_helpers import sign_contract
from tests.lending.lines.conftest import open_line, rows
from tests.lending.loans.conftest import OTHER_SELLER, seller_id

LINES = "/api/v1/lending/lines"


def test_lines_and_draws_through_the_api(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    mine = open_line(demo, seller_id(demo), amount="3000.00")
    theirs = open_line(demo, seller_id(demo, OTHER_SELLER), amount="4000.00")
    sign_contract(demo, mine.offer_id)
    csrf = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}

    listed = client.get(LINES, headers=csrf).json()
    assert [(item["id"], item["limit"], item["available"]) for item in listed["items"]] == [
        (str(mine.id), "3000.00", "3000.00")]
    for path in (f"{LINES}/{theirs.id}", f"{LINES}/{uuid.uuid4()}"):
        assert client.get(path, headers=csrf).json()["error"] == "credit_line_not_found"

    # 1,000.00 drawn: 10.00 fee (1 %), 990.00 paid out; the same key again is the same draw.
    key = {**csrf, "Idempotency-Key": "api-draw-1"}
    drawn = client.post(f"{LINES}/{mine.id}/draws", headers=key, json={"amount": "1000.00"})
    assert drawn.status_code == 201, drawn.text
    assert (drawn.json()["origination_fee"], drawn.json()["paid_out"], drawn.json()["loan_status"]) == (
        "10.00", "990.00", "active")
    again = client.post(f"{LINES}/{mine.id}/draws", headers=key, json={"amount": "1000.00"})
    assert (again.status_code, again.json()["id"]) == (200, drawn.json()["id"])
    reused = client.post(f"{LINES}/{mine.id}/draws", headers=key, json={"amount": "999.00"})
    assert (reused.status_code, reused.json()["error"]) == (409, "draw_key_reused")

    before = rows(demo)
    over = client.post(f"{LINES}/{mine.id}/draws", headers={**key, "Idempotency-Key": "api-draw-2",
                                                            "Accept-Language": "zh-CN"},
                       json={"amount": "2000.01"})
    assert (over.status_code, over.json()["detail"]) == (409, {
        "field": "amount", "message": "目前最多可提款 2000.00 USD：2000.01 USD 超过了额度的可用金额。"})
    foreign = client.post(f"{LINES}/{theirs.id}/draws", headers={**key, "Idempotency-Key": "api-draw-3"},
                          json={"amount": "1.00"})
    assert (foreign.status_code, foreign.json()["error"]) == (404, "credit_line_not_found")
    assert rows(demo) == before
    assert client.get(f"{LINES}/{mine.id}", headers=csrf).json()["available"] == "2000.00"

    client.cookies.clear()
    staff = {"X-CSRF-Token": sign_in(client, "operations@fourflow.demo")}
    seen = {item["id"] for item in client.get(LINES, headers=staff).json()["items"]}
    assert {str(mine.id), str(theirs.id)} <= seen
    assert client.get(f"{LINES}/{theirs.id}", headers=staff).json()["limit"] == "4000.00"
