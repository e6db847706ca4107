"""Derived figures explain themselves back to their batches and rows (lineage), and every batch
is measured for quality, with failures listed as alerts."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.service import figures, quality
from tests.conftest import shared_data
from tests.helpers import organisation_id, sign_in

SECRET = "test-secret-for-personal-data-0123456789"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tradedata"
TRANSACTIONS = "marketplace/shopify_api_fixture_payouts_transactions.json"


def _ingest(session: Session, seller: uuid.UUID, format: str, content: bytes) -> tradedata.IngestSummary:
    return tradedata.ingest(session, AuditContext.system(), seller_organisation_id=seller, format=format,
                            source=io.BytesIO(content), filename="file", channel="cli", secret=SECRET)


def _november_net_sales(session: Session, seller: uuid.UUID) -> figures.Lineage:
    from fourflow.core.pagination import PageRequest

    page = figures.list_figures(session, seller, "monthly_net_sales", PageRequest(page=1, page_size=50))
    november = next(f for f in page.items if f.period_start == date(2020, 11, 1) and f.currency == "USD")
    return figures.lineage(session, november.id, seller, PageRequest(page=1, page_size=50))


def test_a_changed_source_row_shows_in_the_recomputed_figures_lineage(demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    original = shared_data(TRANSACTIONS).read_bytes()
    first = _ingest(demo, seller, "shopify-payouts", original)
    figures.recompute(demo, seller)
    before = _november_net_sales(demo, seller)
    # Charges 10.00 + 11.50, refunds −3.45 −8.05 −2.00 (processed 4–5 Nov 2020 New York time).
    assert (before.figure.value, before.figure.source_rows, before.figure.transformation) == (
        Decimal("8.000000"), 5, "monthly_net_sales@v1")
    assert [(batch.id, rows) for batch, rows in before.batches] == [(first.batch_id, 5)]

    document = json.loads(original)
    charge = next(t for t in document["transactions"] if t["id"] == 746296004)
    charge["amount"] = "20.00"
    corrected = _ingest(demo, seller, "shopify-payouts", json.dumps(document).encode())
    assert (corrected.inserted, corrected.updated) == (0, 1)
    figures.recompute(demo, seller)
    after = _november_net_sales(demo, seller)
    assert after.figure.id == before.figure.id
    assert after.figure.value == Decimal("18.000000")
    assert {batch.id: rows for batch, rows in after.batches} == {first.batch_id: 4, corrected.batch_id: 1}
    changed = [row for row in after.rows.items if row.batch_id == corrected.batch_id]
    assert [(row.source_key, row.amount) for row in changed] == [("746296004", Decimal("20.0000"))]


def test_lineage_over_the_api_is_the_sellers_own(client: TestClient, demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    _ingest(demo, seller, "shopify-payouts", shared_data(TRANSACTIONS).read_bytes())
    figures.recompute(demo, seller)
    figure_id = _november_net_sales(demo, seller).figure.id
    sign_in(client, "finance@lumen.demo")
    lineage = client.get(f"/api/v1/tradedata/figures/{figure_id}/lineage").json()
    assert (lineage["transformation"], lineage["figure"]["value"], lineage["rows"]["total"]) == (
        "monthly_net_sales@v1", "8.000000", 5)
    client.cookies.clear()
    sign_in(client, "finance@silkroad.demo")
    assert client.get(f"/api/v1/tradedata/figures/{figure_id}/lineage").status_code == 404


def test_each_batch_is_measured_and_failures_are_alerts(demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    payouts = _ingest(demo, seller, "shopify-payouts",
                      shared_data("marketplace/shopify_api_fixture_payouts.json").read_bytes())
    lines = _ingest(demo, seller, "shopify-payouts", shared_data(TRANSACTIONS).read_bytes())
    by_name = {check.check_name: check for check in quality.batch_checks(demo, lines.batch_id)}
    # 23 of the sample's lines name an order, and no orders were sent: consistency fails.
    referencing = by_name["settlement_lines_reference_orders"]
    assert (referencing.score, referencing.passed) == (Decimal("0.0000"), False)
    assert by_name["settlement_lines_complete"].score == Decimal("1.0000")
    payout_checks = {check.check_name: check for check in quality.batch_checks(demo, payouts.batch_id)}
    assert set(payout_checks) >= {"settlements_balance", "settlement_periods_contiguous", "data_is_recent"}
    # Sample data from 2012–2020 is years old.
    assert (payout_checks["data_is_recent"].score, payout_checks["data_is_recent"].passed) == (
        Decimal("0.0000"), False)
    alerts = {check.check_name for check in quality.latest_checks(demo, seller, failed_only=True)}
    assert {"settlement_lines_reference_orders", "data_is_recent"} <= alerts


def test_orders_whose_lines_do_not_add_up_are_named(demo: Session) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    document = json.loads((FIXTURES / "shopify" / "orders_api.json").read_text())
    good = _ingest(demo, seller, "shopify-orders", json.dumps(document).encode())
    checks = {check.check_name: check for check in quality.batch_checks(demo, good.batch_id)}
    assert (checks["order_lines_add_up"].score, checks["order_lines_add_up"].passed) == (Decimal("1"), True)
    # The marketplace says the first order's lines come to 130.00; they come to 128.80.
    document["orders"][0]["total_line_items_price"] = "130.00"
    document["orders"][0]["updated_at"] = "2024-03-06T10:00:00+01:00"
    changed = _ingest(demo, seller, "shopify-orders", json.dumps(document).encode())
    checks = {check.check_name: check for check in quality.batch_checks(demo, changed.batch_id)}
    check = checks["order_lines_add_up"]
    assert (check.score, check.passed, check.dimension) == (Decimal("0.0000"), False, "accuracy")
    assert check.details == {"orders": 1, "not_adding_up": [
        {"order_id": "5807373811862", "stated": "130.0000", "lines": "128.8000"}]}
