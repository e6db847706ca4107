"""Ingesting a seller's file: stream it through its connector into staging tables, refuse the
whole file when any row has a problem, otherwise merge it into the canonical tables in one
transaction (re-ingestion inserts nothing twice) and record the batch, its quality and an audit
event."""

from __future__ import annotations

import contextvars
import hashlib
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import jobs
from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_, Language, translate
from fourflow.tradedata import repository
from fourflow.tradedata.connectors.registry import CONNECTORS, Connector, UploadOptions, connector_for
from fourflow.tradedata.models import IngestBatch
from fourflow.tradedata.records import (
    CustomerReview,
    CustomsDeclaration,
    FxRate,
    Order,
    Problem,
    ProductReturn,
    Settlement,
    SettlementLine,
    StockMovement,
    StockSnapshot,
    TrackingEvent,
    TradeRecord,
)
from fourflow.tradedata.repository import MergeCounts, StagedTable, TableLoad
from fourflow.tradedata.service import personal_data, quality

MAX_PROBLEMS_SHOWN = 100
PROGRESS_EVERY_ROWS = 50_000

SETTLEMENTS = TableLoad("trade_settlements", (
    "marketplace", "settlement_id", "currency", "total", "period_start", "period_end", "deposit_date",
    "status"), key=("marketplace", "settlement_id"))
SETTLEMENT_LINES = TableLoad("trade_settlement_lines", (
    "marketplace", "settlement_id", "source_key", "kind", "transaction_type", "description", "currency",
    "amount", "posted_at", "order_id", "sku", "quantity"), key=("marketplace", "source_key"))
ORDERS = TableLoad("trade_orders", (
    "marketplace", "order_id", "purchased_at", "status", "currency", "total", "ship_country",
    "sales_channel", "buyer_personal_data"), key=("marketplace", "order_id"),
    undigested=("buyer_personal_data",))
ORDER_LINES = TableLoad("trade_order_lines", (
    "marketplace", "order_id", "line_key", "sku", "title", "quantity", "currency", "item_price"),
    key=("marketplace", "order_id", "line_key"))
TRACKING_EVENTS = TableLoad("trade_tracking_events", (
    "carrier", "tracking_number", "status", "carrier_status", "event_at", "location", "message",
    "order_id", "warehouse"), key=("carrier", "tracking_number", "event_at", "carrier_status"))
STOCK_SNAPSHOTS = TableLoad("trade_stock_snapshots", (
    "warehouse", "sku", "snapshot_date", "on_hand", "pledged", "locked", "unit_cost_currency",
    "unit_cost"), key=("warehouse", "sku", "snapshot_date"))
STOCK_MOVEMENTS = TableLoad("trade_stock_movements", (
    "warehouse", "movement_id", "sku", "kind", "quantity", "moved_at", "reference"),
    key=("warehouse", "movement_id"))
CUSTOMS_DECLARATIONS = TableLoad("trade_customs_declarations", (
    "declaration_id", "declared_at", "status", "hs_code", "description", "quantity", "unit", "currency",
    "declared_value", "origin_country", "destination_country", "port_of_loading", "port_of_discharge",
    "reference"), key=("declaration_id",))

RETURNS = TableLoad("trade_returns", (
    "marketplace", "return_id", "order_id", "sku", "quantity", "returned_at", "reason"),
    key=("marketplace", "return_id"))
REVIEWS = TableLoad("trade_reviews", ("marketplace", "review_id", "sku", "rating", "reviewed_at"),
                    key=("marketplace", "review_id"))


class UnknownFormat(ValidationFailed):
    code = "unknown_format"
    message = N_("Unknown format {format}; use one of: {formats}.")


class FileRejected(ValidationFailed):
    """The file had problems; nothing of it was stored."""

    code = "file_rejected"
    message = N_("Nothing was stored: {rejected} problems were found in the file.")

    def __init__(self, problems: list[Problem], *, rows: int, rejected: int, format: str) -> None:
        super().__init__(rejected=str(rejected))
        self.problems = problems
        self.rows = rows
        self.rejected = rejected
        self.format = format

    def detail(self, language: Language) -> dict[str, Any]:
        return {"message": self.localised(language), "format": self.format, "rows": self.rows,
                "rejected": self.rejected,
                "problems": [localised_problem(problem, language) for problem in self.problems]}


def localised_problem(problem: Problem, language: Language) -> dict[str, Any]:
    return {"line": problem.line, "column": problem.column,
            "reason": translate(problem.reason, language, **problem.params)}


@dataclass(frozen=True, slots=True)
class IngestSummary:
    format: str
    rows: int
    inserted: int
    updated: int
    duplicates: int
    rejected: int
    batch_id: uuid.UUID
    tables: dict[str, int] = field(default_factory=dict)  # rows inserted per table


ProgressCallback = Callable[[int, int], None]  # (bytes read, records parsed)


def formats() -> list[str]:
    return sorted(CONNECTORS)


def ingest(session: Session, context: audit.AuditContext, *, seller_organisation_id: uuid.UUID,
           format: str, source: BinaryIO, filename: str | None, channel: str, secret: str,
           uploaded_by_user_id: uuid.UUID | None = None, progress: ProgressCallback | None = None,
           options: UploadOptions | None = None) -> IngestSummary:
    """Take a whole file or nothing. Raises FileRejected listing the first 100 problems."""
    connector = connector_for(format)
    if connector is None:
        raise UnknownFormat(field="format", format=format, formats=", ".join(formats()))
    # A savepoint makes the ingest atomic on its own: a refused file leaves the caller's
    # transaction exactly as it was, whatever the caller does next.
    savepoint = session.begin_nested()
    try:
        repository.lock_seller_ingest(session, seller_organisation_id)
        summary = _ingest(session, context, connector, seller_organisation_id=seller_organisation_id,
                          format=format, source=source, filename=filename, channel=channel, secret=secret,
                          uploaded_by_user_id=uploaded_by_user_id, progress=progress,
                          options=options or UploadOptions())
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return summary


def _ingest(session: Session, context: audit.AuditContext, connector: Connector, *,
            seller_organisation_id: uuid.UUID, format: str, source: BinaryIO, filename: str | None,
            channel: str, secret: str, uploaded_by_user_id: uuid.UUID | None,
            progress: ProgressCallback | None, options: UploadOptions) -> IngestSummary:
    reader = _CountingReader(source)
    batch_id = uuid.uuid4()
    # The batch row goes first: staged rows refer to it, and all of it rolls back together.
    batch = IngestBatch(id=batch_id, seller_organisation_id=seller_organisation_id, format=format,
                        filename=(filename or None) and filename[:255], content_sha256="", encoding=None,
                        size_bytes=0, rows=0, inserted=0, updated=0, duplicates=0,
                        uploaded_by_user_id=uploaded_by_user_id, channel=channel)
    session.add(batch)
    session.flush()
    stager = _Stager(session, seller_organisation_id, batch_id, secret)
    problems: list[Problem] = []
    rejected = records = 0
    for item in _parsed_alongside(connector.parse(cast(BinaryIO, reader), options)):
        if isinstance(item, Problem):
            rejected += 1
            if len(problems) < MAX_PROBLEMS_SHOWN:
                problems.append(item)
            continue
        records += 1
        if not rejected:  # once the file is refused, keep reading only to list its problems
            stager.add(item)
        if progress is not None and records % PROGRESS_EVERY_ROWS == 0:
            progress(reader.bytes_read, records)
    if rejected:
        raise FileRejected(problems, rows=records + rejected, rejected=rejected, format=format)
    counts = stager.merge()
    inserted = sum(count.inserted for count in counts.values())
    updated = sum(count.updated for count in counts.values())
    duplicates = sum(count.duplicates for count in counts.values())
    batch.content_sha256 = reader.sha256.hexdigest()
    batch.size_bytes = reader.bytes_read
    batch.rows, batch.inserted, batch.updated, batch.duplicates = records, inserted, updated, duplicates
    _record_stores(session, seller_organisation_id, batch_id)
    session.flush()
    quality.assess_batch(session, seller_organisation_id, batch_id, format,
                         {table for table, count in counts.items() if count.staged})
    if counts.get("trade_settlement_lines", MergeCounts(0, 0, 0)).inserted or any(
            count.updated for count in counts.values()):
        # Derived figures (and their lineage) follow the data; recomputed by a job so a big file's
        # upload answers as soon as it is stored.
        jobs.enqueue(session, "tradedata:recompute_figures", {"seller_id": str(seller_organisation_id)},
                     queueing_lock=f"tradedata:figures:{seller_organisation_id}")
    audit.record(session, context, "tradedata:batch:ingested", subject_type="trade_ingest_batch",
                 subject_id=batch_id, after={"format": format, "filename": batch.filename,
                                             "sha256": batch.content_sha256, "rows": records,
                                             "inserted": inserted, "updated": updated})
    if progress is not None:
        progress(reader.bytes_read, records)
    return IngestSummary(format, records, inserted, updated, duplicates, 0, batch_id,
                         {table: count.inserted for table, count in counts.items()})


class _Stager:
    """Maps each canonical record to its table's row and stages it."""

    def __init__(self, session: Session, seller_organisation_id: uuid.UUID, batch_id: uuid.UUID,
                 secret: str) -> None:
        self._session = session
        self._seller = seller_organisation_id
        self._batch = batch_id
        self._secret = secret
        self._tables: dict[str, StagedTable] = {}
        self._rates: list[dict[str, object]] = []
        self._rates_seen = self._rates_inserted = 0

    def _table(self, load: TableLoad) -> StagedTable:
        staged = self._tables.get(load.table)
        if staged is None:
            staged = self._tables[load.table] = StagedTable(self._session, load, self._seller, self._batch)
        return staged

    def add(self, record: TradeRecord) -> None:
        if isinstance(record, SettlementLine):
            self._table(SETTLEMENT_LINES).add(record.line, (
                record.marketplace, record.settlement_id, record.source_key, record.kind.value,
                record.transaction_type[:64], record.description[:200], record.amount.currency,
                record.amount.amount, record.posted_at, record.order_id, record.sku, record.quantity))
        elif isinstance(record, Settlement):
            self._table(SETTLEMENTS).add(record.line, (
                record.marketplace, record.settlement_id, record.total.currency, record.total.amount,
                record.period_start, record.period_end, record.deposit_date, record.status))
        elif isinstance(record, Order):
            self._table(ORDERS).add(record.line, (
                record.marketplace, record.order_id, record.purchased_at, record.status[:32],
                record.currency, None if record.total is None else record.total.amount,
                record.ship_country, record.sales_channel,
                personal_data.encrypt(record.buyer, secret=self._secret,
                                      seller_organisation_id=self._seller)))
            lines = self._table(ORDER_LINES)
            for order_line in record.lines:
                lines.add(record.line, (
                    record.marketplace, record.order_id, order_line.line_key, order_line.sku,
                    order_line.title, order_line.quantity, order_line.item_price.currency,
                    order_line.item_price.amount))
        elif isinstance(record, TrackingEvent):
            self._table(TRACKING_EVENTS).add(record.line, (
                record.carrier, record.tracking_number, record.status.value, record.carrier_status[:64],
                record.event_at, record.location and record.location[:200], record.message,
                record.order_id, record.warehouse))
        elif isinstance(record, StockSnapshot):
            self._table(STOCK_SNAPSHOTS).add(record.line, (
                record.warehouse, record.sku, record.snapshot_date, record.on_hand, record.pledged,
                record.locked, None if record.unit_cost is None else record.unit_cost.currency,
                None if record.unit_cost is None else record.unit_cost.amount))
        elif isinstance(record, StockMovement):
            self._table(STOCK_MOVEMENTS).add(record.line, (
                record.warehouse, record.movement_id, record.sku, record.kind.value, record.quantity,
                record.moved_at, record.reference))
        elif isinstance(record, CustomsDeclaration):
            self._table(CUSTOMS_DECLARATIONS).add(record.line, (
                record.declaration_id, record.declared_at, record.status, record.hs_code,
                record.description, record.quantity, record.unit, record.declared_value.currency,
                record.declared_value.amount, record.origin_country, record.destination_country,
                record.port_of_loading, record.port_of_discharge, record.reference))
        elif isinstance(record, ProductReturn):
            self._table(RETURNS).add(record.line, (
                record.marketplace, record.return_id, record.order_id, record.sku, record.quantity,
                record.returned_at, record.reason and record.reason[:100]))
        elif isinstance(record, CustomerReview):
            self._table(REVIEWS).add(record.line, (
                record.marketplace, record.review_id, record.sku, record.rating, record.reviewed_at))
        elif isinstance(record, FxRate):
            # Reference rates are the platform's, not the seller's: the shared rates table.
            self._rates.append({"id": uuid.uuid4(), "source": "ECB", "base_currency": record.base_currency,
                                "quote_currency": record.quote_currency, "rate_date": record.rate_date,
                                "rate": record.rate})
            self._rates_seen += 1
            if len(self._rates) >= 1000:
                self._flush_rates()

    def _flush_rates(self) -> None:
        self._rates_inserted += repository.insert_rates(self._session, self._rates)
        self._rates = []

    def merge(self) -> dict[str, MergeCounts]:
        counts = {table: staged.merge() for table, staged in self._tables.items()}
        if self._rates_seen:
            self._flush_rates()
            counts["fx_reference_rates"] = MergeCounts(self._rates_seen, self._rates_inserted, 0)
        return counts


PARSE_CHUNK_ITEMS = 2000
PARSE_CHUNKS_AHEAD = 64  # ~128k items: enough to keep parsing through a chunk merge
_END = object()


def _parsed_alongside(parsed: Iterator[TradeRecord | Problem]) -> Iterator[TradeRecord | Problem]:
    """Run the connector in a thread of its own, a few thousand items ahead of the caller: while
    this thread waits for the database (COPY, chunk merges; the driver releases the GIL), the
    connector parses on the other core. The queue bounds memory; a connector error is raised
    here, in the caller's thread."""
    chunks: queue.Queue[object] = queue.Queue(maxsize=PARSE_CHUNKS_AHEAD)
    stop = threading.Event()

    def produce() -> None:
        try:
            chunk: list[TradeRecord | Problem] = []
            for item in parsed:
                chunk.append(item)
                if len(chunk) >= PARSE_CHUNK_ITEMS:
                    chunks.put(chunk)
                    chunk = []
                if stop.is_set():
                    return
            chunks.put(chunk)
            chunks.put(_END)
        except BaseException as error:  # noqa: BLE001 - handed to the consuming thread
            chunks.put(error)

    # The parser sees the caller's context (language, clock overrides).
    thread = threading.Thread(target=contextvars.copy_context().run, args=(produce,), daemon=True,
                              name="tradedata-parse")
    thread.start()
    try:
        while True:
            chunk = chunks.get()
            if chunk is _END:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            yield from cast(list[TradeRecord | Problem], chunk)
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            try:
                chunks.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


class _CountingReader:
    """Passes the upload through while hashing it and counting bytes (for progress)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self.sha256.update(chunk)
        self.bytes_read += len(chunk)
        return chunk


# Marketplace domains (amazon.co.uk, amazon.de …) name their country by their top-level domain.
_DOMAIN_REGIONS = {"com": "US", "ca": "CA", "com.mx": "MX", "com.br": "BR", "co.uk": "GB", "de": "DE",
                   "fr": "FR", "it": "IT", "es": "ES", "nl": "NL", "se": "SE", "pl": "PL", "com.be": "BE",
                   "com.tr": "TR", "ae": "AE", "sa": "SA", "in": "IN", "co.jp": "JP", "com.au": "AU",
                   "sg": "SG", "cn": "CN", "eg": "EG"}


def marketplace_region(marketplace: str) -> str | None:
    _, _, domain = marketplace.partition(".")
    return _DOMAIN_REGIONS.get(domain)


def _record_stores(session: Session, seller_organisation_id: uuid.UUID, batch_id: uuid.UUID) -> None:
    """A seller's stores appear as their data does: one per marketplace seen."""
    for marketplace, currency, first_seen in repository.batch_marketplaces(session, batch_id):
        repository.upsert_store(session, seller_organisation_id, marketplace,
                                marketplace_region(marketplace), currency, first_seen)
