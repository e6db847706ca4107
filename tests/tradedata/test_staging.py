"""Large uploads are parsed in a process of their own: it must store exactly what the in-thread
path stores, refuse the same files with the same problems, and encode every value COPY reads."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.tradedata import service as tradedata
from fourflow.tradedata.repository import copy_text_line
from fourflow.tradedata.service import personal_data, staging
from tests.helpers import count, organisation_id

SECRET = "test-secret-for-personal-data-0123456789"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tradedata"


def _ingest(session: Session, seller: str, format: str, content: bytes) -> tradedata.IngestSummary:
    return tradedata.ingest(session, AuditContext.system(), seller_organisation_id=uuid.UUID(seller),
                            format=format, source=io.BytesIO(content), filename="file", channel="cli",
                            secret=SECRET)


def _stored_lines(session: Session, seller: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in session.execute(text(
        "SELECT marketplace, settlement_id, source_key, kind, description, amount, posted_at, order_id, "
        "sku, quantity, source_line FROM trade_settlement_lines "
        "WHERE seller_organisation_id = :seller ORDER BY source_key"), {"seller": seller})]


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "PROCESS_PARSE_MIN_BYTES", 0)


def test_a_process_stores_what_a_thread_stores(demo: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    content = (FIXTURES / "amazon" / "settlement_v2_de.txt").read_bytes()
    by_thread = organisation_id(demo, "lumen-electronics")
    by_process = organisation_id(demo, "silkroad-home")
    threaded = _ingest(demo, by_thread, "amazon-settlement", content)
    monkeypatch.setattr(staging, "PROCESS_PARSE_MIN_BYTES", 0)
    processed = _ingest(demo, by_process, "amazon-settlement", content)
    again = _ingest(demo, by_process, "amazon-settlement", content)
    assert (processed.rows, processed.inserted, processed.duplicates) == (
        threaded.rows, threaded.inserted, threaded.duplicates)
    assert processed.inserted > 0
    assert (again.inserted, again.updated, again.duplicates) == (0, 0, processed.rows)
    assert _stored_lines(demo, by_process) == _stored_lines(demo, by_thread)


@pytest.mark.usefixtures("in_process")
def test_a_process_refuses_a_broken_file_and_names_the_line(demo: Session) -> None:
    seller = organisation_id(demo, "lumen-electronics")
    content = (FIXTURES / "amazon" / "settlement_v2_us.txt").read_bytes().decode()
    lines = content.splitlines(keepends=True)
    fields = lines[3].split("\t")
    amount = next(index for index, value in enumerate(fields) if value.strip().lstrip("-").replace(".", "")
                  .isdigit() and "." in value)
    fields[amount] = "twelve"
    lines[3] = "\t".join(fields)
    before = (count(demo, "trade_ingest_batches"), count(demo, "trade_settlement_lines"))
    with pytest.raises(tradedata.FileRejected) as rejected:
        _ingest(demo, seller, "amazon-settlement", "".join(lines).encode())
    assert rejected.value.rejected == 1
    problem = rejected.value.detail("en")["problems"][0]
    assert (problem["line"], problem["reason"]) == (4, "twelve is not a number.")
    assert (count(demo, "trade_ingest_batches"), count(demo, "trade_settlement_lines")) == before


@pytest.mark.usefixtures("in_process")
def test_a_process_encrypts_buyers_with_the_sellers_key(demo: Session) -> None:
    seller = organisation_id(demo, "lumen-electronics")
    summary = _ingest(demo, seller, "shopify-orders", (FIXTURES / "shopify" / "orders_api.json").read_bytes())
    assert summary.inserted > 0
    stored = demo.execute(text("SELECT buyer_personal_data FROM trade_orders WHERE buyer_personal_data "
                               "IS NOT NULL LIMIT 1")).scalar_one()
    assert personal_data.decrypt(stored, secret=SECRET, seller_organisation_id=uuid.UUID(seller)) is not None


def test_unknown_upload_size_stays_in_a_thread() -> None:
    class Stream:
        def read(self, size: int = -1) -> bytes:
            return b""

    assert staging.source_size(Stream()) is None  # type: ignore[arg-type]
    assert staging.source_size(io.BytesIO(b"12345")) == 5


def test_copy_text_escapes_what_copy_would_misread() -> None:
    assert copy_text_line((7, "a\tb\\c\nd\re", None, Decimal("-1.50"), b"\x01\xff",
                           datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), date(2026, 1, 2))) == (
        "7\ta\\tb\\\\c\\nd\\re\t\\N\t-1.50\t\\\\x01ff\t2026-01-02T03:04:05+00:00\t2026-01-02\n")
