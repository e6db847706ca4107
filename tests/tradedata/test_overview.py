"""The seller overview: exact monthly figures from a small dataset ingested through the real
pipeline (Amazon settlements in EUR and USD, orders, tracking, customs, stock), converted into the
seller's main currency at the ECB rate; staff name the seller, sellers see only their own."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.connectors.registry import UploadOptions
from fourflow.tradedata.service.overview import month_starts, seller_overview
from tests.conftest import shared_data
from tests.helpers import organisation_id, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tradedata"
SECRET = "test-secret-for-personal-data-0123456789"

# Shipments and priced stock pushed as JSON: on time (8 days), late (19 days), still open, and
# stock with unit costs in EUR, USD and TWD (the ECB publishes no TWD rate).
PUSH = {
    "source": "test-wms",
    "shipments": [
        {"carrier": "dhl", "tracking_number": "ONTIME1", "status": "in_transit",
         "event_at": "2024-03-02T08:00:00Z"},
        {"carrier": "dhl", "tracking_number": "ONTIME1", "status": "delivered",
         "event_at": "2024-03-10T08:00:00Z"},
        {"carrier": "dhl", "tracking_number": "LATE1", "status": "in_transit",
         "event_at": "2024-03-01T08:00:00Z"},
        {"carrier": "dhl", "tracking_number": "LATE1", "status": "delivered",
         "event_at": "2024-03-20T08:00:00Z"},
        {"carrier": "dhl", "tracking_number": "OPEN1", "status": "in_transit",
         "event_at": "2024-03-25T08:00:00Z"},
    ],
    "stock": [
        {"warehouse": "DE-FRA-01", "sku": "LAMP-OAK-01", "snapshot_date": "2024-03-15", "on_hand": 150,
         "pledged": 50, "unit_cost": "12.50", "unit_cost_currency": "EUR"},
        {"warehouse": "DE-FRA-01", "sku": "CABLE-USB-C", "snapshot_date": "2024-03-15", "on_hand": 400,
         "unit_cost": "1.10", "unit_cost_currency": "USD"},
        {"warehouse": "TW-TPE-01", "sku": "LAMP-OAK-02", "snapshot_date": "2024-03-20", "on_hand": 10,
         "unit_cost": "300", "unit_cost_currency": "TWD"},
    ],
}


def _ingest(session: Session, seller: uuid.UUID, format: str, content: bytes,
            options: UploadOptions | None = None) -> None:
    tradedata.ingest(session, AuditContext.system(), seller_organisation_id=seller, format=format,
                     source=io.BytesIO(content), filename=format, channel="cli", secret=SECRET,
                     options=options)


def _dataset(session: Session) -> uuid.UUID:
    seller = uuid.UUID(organisation_id(session, "lumen-electronics"))
    # EUR→USD 1.0920 on 2016-01-29: the newest rate on or before every date below.
    tradedata.ingest_ecb_rates(session, shared_data("fx/ecb_eurofxref-daily_2016-01-29.xml").read_bytes())
    for format, path in [("amazon-settlement", "amazon/settlement_v2_de.txt"),
                         ("amazon-settlement", "amazon/settlement_v2_us.txt"),
                         ("amazon-orders", "amazon/all_orders_de.txt"),
                         ("amazon-orders", "amazon/all_orders_us.txt"),
                         ("tracking-json", "logistics/aftership_webhook_tracking_update.json"),
                         ("tracking-json", "logistics/aftership_single_tracking_returned.json"),
                         ("customs-json", "customs/declarations.json")]:
        _ingest(session, seller, format, (FIXTURES / path).read_bytes())
    stock = (FIXTURES / "warehouse/fba_manage_inventory.txt").read_bytes()
    # An older snapshot with other quantities: only the newest per warehouse and SKU counts.
    _ingest(session, seller, "warehouse-stock", stock.replace(b"\t142\t", b"\t99\t"),
            UploadOptions(warehouse="AMAZON-FBA-US", as_of=date(2024, 2, 1)))
    _ingest(session, seller, "warehouse-stock", stock,
            UploadOptions(warehouse="AMAZON-FBA-US", as_of=date(2024, 3, 1)))
    # A snapshot after the overview's day is not "current" for it.
    _ingest(session, seller, "warehouse-stock", stock.replace(b"\t142\t", b"\t7\t"),
            UploadOptions(warehouse="AMAZON-FBA-US", as_of=date(2024, 4, 2)))
    _ingest(session, seller, "push-json", json.dumps(PUSH).encode())
    return seller


def test_month_starts_cross_the_year() -> None:
    assert month_starts(date(2024, 2, 10), 3) == [date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]


def test_money_by_month_in_the_main_currency(demo: Session) -> None:
    seller = _dataset(demo)
    overview = seller_overview(demo, seller, months=3, until=date(2021, 4, 15))
    # As many EUR as USD sale lines: the tie goes to the first code.
    assert overview.currency == "EUR"
    assert [month.month for month in overview.months] == [date(2021, 2, 1), date(2021, 3, 1),
                                                          date(2021, 4, 1)]
    february, march, april = overview.months
    # EUR 1073.90 + USD 1308.98 × (1 / 1.0920) ...
    assert (march.sales, march.refunds, march.fees, march.payouts) == (
        Decimal("2272.60"), Decimal("1076.46"), Decimal("287.97"), Decimal("854.21"))
    assert march.orders == 7  # six shipped and one pending; none cancelled
    assert march.refund_rate == Decimal("47.4")
    assert (february.sales, february.orders, february.refund_rate) == (Decimal("0.00"), 0, None)
    assert overview.last_complete_month == april  # long past: no month of it is still open
    assert april.on_time_rate is None
    assert overview.unconverted_currencies == []


def test_deliveries_holds_and_stock(demo: Session) -> None:
    seller = _dataset(demo)
    overview = seller_overview(demo, seller, months=3, until=date(2024, 3, 31))
    january, february, march = overview.months
    # SF…: first scan 8 Jan, into the Frankfurt warehouse 16 Jan (8 days): on time.
    assert (january.shipments_decided, january.shipments_on_time, january.on_time_rate) == (
        1, 1, Decimal("100.0"))
    # LX…: posted 1 Feb, held by customs, returned to sender: never delivered, late.
    assert (february.shipments_decided, february.on_time_rate) == (1, Decimal("0.0"))
    # On time in 8 days, late in 19, and one still inside its 14 days (not counted).
    assert (march.shipments_decided, march.shipments_on_time, march.on_time_rate) == (2, 1, Decimal("50.0"))
    # One declaration under inspection in January; the released one is no hold.
    assert [month.customs_holds for month in overview.months] == [1, 0, 0]
    assert [(item.warehouse, item.skus, item.on_hand, item.pledged, item.value, item.units_without_cost,
             item.as_of) for item in overview.stock] == [
        ("AMAZON-FBA-US", 3, 142 + 0 + 1207, 0, Decimal("0.00"), 1349, date(2024, 3, 1)),
        # 150 × EUR 12.50 + 400 × USD 1.10 / 1.0920
        ("DE-FRA-01", 2, 550, 50, Decimal("2277.93"), 0, date(2024, 3, 15)),
        ("TW-TPE-01", 1, 10, 0, Decimal("0.00"), 0, date(2024, 3, 20)),
    ]
    assert overview.unconverted_currencies == ["TWD"]
    assert overview.has_data


def test_a_seller_without_data_has_an_empty_overview(demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "silkroad-home"))
    overview = seller_overview(demo, seller)
    assert len(overview.months) == 12
    assert not overview.has_data
    assert overview.last_complete_month == overview.months[-2]  # this month is still open
    assert overview.stock == []


def test_overview_api_for_the_seller_and_for_staff(client: TestClient, demo: Session) -> None:
    seller = _dataset(demo)
    sign_in(client, "finance@lumen.demo")
    own = client.get("/api/v1/tradedata/overview?months=60")
    assert own.status_code == 200, own.text
    body = own.json()
    assert (body["seller_organisation_id"], body["currency"], len(body["months"])) == (
        str(seller), "EUR", 60)
    other = client.get(f"/api/v1/tradedata/overview?seller_id={organisation_id(demo, 'silkroad-home')}")
    assert other.status_code == 403

    client.cookies.clear()
    sign_in(client, "risk@fourflow.demo")
    assert client.get("/api/v1/tradedata/overview").json()["error"] == "seller_required"
    staff = client.get(f"/api/v1/tradedata/overview?seller_id={seller}&months=1")
    assert staff.status_code == 200
    assert staff.json()["stock"][1]["value"] == "2277.93"
    viewed = demo.execute(text(
        "SELECT subject_id FROM audit_events WHERE action = 'tradedata:overview:viewed'")).scalars().all()
    assert viewed == [str(seller)]
