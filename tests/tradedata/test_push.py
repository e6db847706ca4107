"""The push API: an ERP/WMS/CRM batch goes through the same pipeline as a file."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.helpers import count, sign_in

BATCH: dict[str, Any] = {
    "source": "odoo-erp",
    "orders": [{"marketplace": "b2b", "order_id": "SO-1001", "purchased_at": "2026-10-02T08:30:00+08:00",
                "status": "confirmed", "currency": "EUR", "total": "1250.00", "ship_country": "DE",
                "buyer": {"name": "Anna Schmidt", "email": "anna@example.de", "phone": "+49301234567",
                          "address": "Hauptstraße 1, 10115 Berlin"},
                "lines": [{"line_key": "1", "sku": "LAMP-01", "title": "Desk lamp", "quantity": 50,
                           "item_price": "1250.00"}]}],
    "stock": [{"warehouse": "DE-BER-3PL", "sku": "LAMP-01", "snapshot_date": "2026-10-31", "on_hand": 420,
               "pledged": 100, "unit_cost": "11.40", "unit_cost_currency": "USD"}],
    "shipments": [{"carrier": "dhl", "tracking_number": "JD0142", "status": "arrived_at_warehouse",
                   "event_at": "2026-10-20T10:00:00Z", "warehouse": "DE-BER-3PL", "order_id": "PO-77"}],
    "returns": [{"marketplace": "b2b", "return_id": "R-1", "order_id": "SO-1001", "sku": "LAMP-01",
                 "quantity": 2, "returned_at": "2026-10-15T09:00:00Z", "reason": "damaged"}],
    "reviews": [{"marketplace": "b2b", "review_id": "V-1", "sku": "LAMP-01", "rating": 4,
                 "reviewed_at": "2026-10-16T09:00:00Z"}],
}
TABLES = ("trade_orders", "trade_order_lines", "trade_stock_snapshots", "trade_tracking_events",
          "trade_returns", "trade_reviews", "trade_ingest_batches")


def _counts(session: Session) -> dict[str, int]:
    return {table: count(session, table) for table in TABLES}


def test_push_stores_each_flow_once(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    first = client.post("/api/v1/tradedata/push", headers={"X-CSRF-Token": csrf}, json=BATCH)
    assert first.status_code == 201, first.text
    assert (first.json()["rows"], first.json()["inserted"]) == (5, 6)  # the order and its line
    again = client.post("/api/v1/tradedata/push", headers={"X-CSRF-Token": csrf}, json=BATCH)
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 6)
    assert _counts(demo) == {"trade_orders": 1, "trade_order_lines": 1, "trade_stock_snapshots": 1,
                             "trade_tracking_events": 1, "trade_returns": 1, "trade_reviews": 1,
                             "trade_ingest_batches": 2}
    stock = demo.execute(text(
        "SELECT on_hand, pledged, unit_cost, unit_cost_currency FROM trade_stock_snapshots")).one()
    assert tuple(stock) == (420, 100, Decimal("11.4000"), "USD")


def test_a_bad_push_names_the_item_and_field_and_stores_nothing(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    bad = copy.deepcopy(BATCH)
    bad["orders"][0]["lines"][0]["quantity"] = 0
    bad["reviews"][0]["rating"] = 9
    bad["stock"][0]["unit_cost_currency"] = "XYZ"
    before = _counts(demo)
    response = client.post("/api/v1/tradedata/push", headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
                           json=bad)
    assert response.status_code == 422
    problems = [(p["line"], p["column"]) for p in response.json()["detail"]["problems"]]
    assert problems == [(1, "orders[0].lines[0].quantity"), (1, "stock[0].unit_cost_currency"),
                        (1, "reviews[0].rating")]
    assert _counts(demo) == before


def test_the_schema_is_published(client: TestClient) -> None:
    schema = client.get("/api/v1/tradedata/push/schema").json()
    assert schema["title"] == "PushBatch"
    assert set(schema["properties"]) == {"source", "orders", "stock", "shipments", "returns", "reviews"}
