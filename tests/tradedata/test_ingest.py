"""The ingest pipeline: a whole file or nothing, re-ingestion adds nothing, every problem listed
with its line, localised; uploads by API with tenant scoping."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.service import personal_data
from tests.conftest import shared_data
from tests.helpers import count, organisation_id, sign_in

SECRET = "test-secret-for-personal-data-0123456789"


def _ecb() -> bytes:
    return shared_data("fx/ecb_eurofxref-daily_2016-01-29.xml").read_bytes()


def _ingest(session: Session, seller: str, format: str, content: bytes) -> tradedata.IngestSummary:
    return tradedata.ingest(session, AuditContext.system(), seller_organisation_id=uuid.UUID(seller),
                            format=format, source=io.BytesIO(content), filename="file", channel="cli",
                            secret=SECRET)


def test_ecb_rates_through_the_pipeline_once(demo: Session) -> None:
    seller = organisation_id(demo, "lumen-electronics")
    first = _ingest(demo, seller, "ecb-fx", _ecb())
    again = _ingest(demo, seller, "ecb-fx", _ecb())
    assert (first.rows, first.inserted, first.duplicates) == (31, 31, 0)
    assert (again.rows, again.inserted, again.duplicates) == (31, 0, 31)
    assert count(demo, "fx_reference_rates") == 31
    assert demo.execute(text("SELECT count(*) FROM trade_ingest_batches")).scalar_one() == 2
    assert demo.execute(text(
        "SELECT count(*) FROM audit_events WHERE action = 'tradedata:batch:ingested'")).scalar_one() == 2


def test_a_broken_file_stores_nothing_and_says_where(demo: Session) -> None:
    seller = organisation_id(demo, "lumen-electronics")
    before = (count(demo, "trade_ingest_batches"), count(demo, "fx_reference_rates"),
              count(demo, "audit_events"))
    broken = _ecb().replace(b"rate='1.0920'", b"rate='one'")
    with pytest.raises(tradedata.FileRejected) as rejected:
        _ingest(demo, seller, "ecb-fx", broken)
    assert rejected.value.rejected == 1
    assert (count(demo, "trade_ingest_batches"), count(demo, "fx_reference_rates"),
            count(demo, "audit_events")) == before
    assert rejected.value.detail("zh_Hans")["problems"] == [
        {"line": 1, "column": "file", "reason": "汇率文件格式错误，位置 2016-01-29 USD：'one' is not a rate"}]


def test_unknown_format_is_refused(demo: Session) -> None:
    with pytest.raises(tradedata.UnknownFormat):
        _ingest(demo, organisation_id(demo, "lumen-electronics"), "csv-of-my-own", b"a,b\n")


def test_upload_by_api_for_the_callers_own_seller(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    response = client.post("/api/v1/tradedata/uploads", headers={"X-CSRF-Token": csrf},
                           data={"format": "ecb-fx"}, files={"file": ("rates.xml", _ecb(), "text/xml")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["format"], body["rows"], body["inserted"], body["duplicates"], body["rejected"]) == (
        "ecb-fx", 31, 31, 0, 0)
    batches = client.get("/api/v1/tradedata/batches").json()
    assert [(item["id"], item["filename"], item["seller_organisation_id"]) for item in batches["items"]] == [
        (body["batch_id"], "rates.xml", organisation_id(demo, "lumen-electronics"))]


def test_a_seller_cannot_upload_for_another_seller(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    response = client.post("/api/v1/tradedata/uploads", headers={"X-CSRF-Token": csrf},
                           data={"format": "ecb-fx", "seller_id": organisation_id(demo, "silkroad-home")},
                           files={"file": ("rates.xml", _ecb(), "text/xml")})
    assert response.status_code == 403
    assert count(demo, "trade_ingest_batches") == 0


def test_rejected_upload_lists_problems_in_the_callers_language(client: TestClient, demo: Session) -> None:
    csrf = sign_in(client, "finance@lumen.demo")
    response = client.post("/api/v1/tradedata/uploads", headers={"X-CSRF-Token": csrf,
                                                                  "Accept-Language": "en"},
                           data={"format": "ecb-fx"},
                           files={"file": ("rates.xml", b"<Envelope><Cube>", "text/xml")})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "file_rejected"
    assert body["detail"]["problems"][0]["line"] == 1
    assert count(demo, "trade_ingest_batches") == 0


TRADE_TABLES = ("trade_settlements", "trade_settlement_lines", "trade_orders", "trade_order_lines",
                "trade_tracking_events", "trade_stores")


def _counts(session: Session) -> dict[str, int]:
    return {table: count(session, table) for table in TRADE_TABLES}


def test_shopify_samples_once_each_and_buyers_encrypted(demo: Session) -> None:
    seller = organisation_id(demo, "lumen-electronics")
    samples = [("shopify-payouts", "marketplace/shopify_api_fixture_payouts.json"),
               ("shopify-payouts", "marketplace/shopify_api_fixture_payouts_transactions.json"),
               ("shopify-orders", "marketplace/shopify_api_fixture_orders.json"),
               ("tracking-json", "marketplace/aftership_trackings_list.json")]
    for format, path in samples:
        _ingest(demo, seller, format, shared_data(path).read_bytes())
    first = _counts(demo)
    for format, path in samples:
        again = _ingest(demo, seller, format, shared_data(path).read_bytes())
        assert (again.inserted, again.updated) == (0, 0)
    assert _counts(demo) == first
    assert first["trade_tracking_events"] == 11
    assert first["trade_stores"] == 1
    stored = demo.execute(text("SELECT buyer_personal_data FROM trade_orders")).scalars().all()
    assert len(stored) == 1
    assert b"bob.norman" not in stored[0]
    buyer = personal_data.decrypt(stored[0], secret=SECRET, seller_organisation_id=uuid.UUID(seller))
    assert buyer is not None
    assert buyer.email == "bob.norman@hostmail.com"
    assert personal_data.masked(buyer).email == "b•••@hostmail.com"  # type: ignore[union-attr]
