"""From an uploaded file to rows ready for the database: run the connector, map each canonical
record to its table's row and encode it in COPY's text format, in chunks.

This is the CPU-heavy half of an ingest. A small file is parsed in a thread beside the caller
(no start-up cost); a large one in a process of its own, so parsing and encoding use one core
while the database merges on the other instead of both waiting on one interpreter lock. Either
way the caller receives the same messages (``StagedRows``, ``Problem``, ``Rates``) in file
order and only passes the rows on to COPY.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import pickle
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, cast

from fourflow.core.clock import get_clock
from fourflow.tradedata.connectors.registry import UploadOptions, connector_for
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
from fourflow.tradedata.repository import COPY_CHUNK_ROWS, TableLoad, copy_text_line
from fourflow.tradedata.service import personal_data

SETTLEMENTS = TableLoad("trade_settlements", (
    "marketplace", "settlement_id", "currency", "total", "period_start", "period_end", "deposit_date",
    "status"), key=("marketplace", "settlement_id"))
SETTLEMENT_LINES = TableLoad("trade_settlement_lines", (
    "marketplace", "settlement_id", "source_key", "kind", "transaction_type", "description", "currency",
    "amount", "posted_at", "order_id", "sku", "quantity"), key=("marketplace", "source_key"))
ORDERS = TableLoad("trade_orders", (
    "marketplace", "order_id", "purchased_at", "status", "currency", "total", "ship_country",
    "sales_channel", "buyer_personal_data", "line_items_total"), key=("marketplace", "order_id"),
    uncompared=("buyer_personal_data",))
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
TABLE_LOADS = {load.table: load for load in (
    SETTLEMENTS, SETTLEMENT_LINES, ORDERS, ORDER_LINES, TRACKING_EVENTS, STOCK_SNAPSHOTS, STOCK_MOVEMENTS,
    CUSTOMS_DECLARATIONS, RETURNS, REVIEWS)}

# Files at least this large are parsed in a process of their own; below it, starting one costs
# more than it saves.
PROCESS_PARSE_MIN_BYTES = 16 * 1024 * 1024
RATES_CHUNK = 1000
FEED_CHUNK_BYTES = 1024 * 1024
PARSE_PROCESS_MODULE = "fourflow.tradedata.service.parse_process"


@dataclass(frozen=True, slots=True)
class StagedRows:
    """``rows`` rows of one table in COPY text; ``records`` counts the file's records so far."""

    table: str
    copy_text: str
    rows: int
    records: int


@dataclass(frozen=True, slots=True)
class Rates:
    rates: list[FxRate]


@dataclass(frozen=True, slots=True)
class ParseFinished:
    records: int


Staged = StagedRows | Problem | Rates | ParseFinished


@dataclass(frozen=True, slots=True)
class ParseRequest:
    """Everything the parse needs, picklable for a process of its own."""

    format: str
    options: UploadOptions
    seller_organisation_id: uuid.UUID
    secret: str


def staged(request: ParseRequest, source: BinaryIO, size_hint: int | None) -> Iterator[Staged]:
    """The file's rows and problems, in file order, from a thread or (large files) a process.
    Once a problem is seen no more rows are encoded: the file will be refused, and listing its
    problems is all that is left to do."""
    # Decided here, where the caller's clock is, not in a process that can't see it.
    request = replace(request, options=replace(
        request.options, as_of=request.options.as_of or get_clock().now().date()))
    if size_hint is not None and size_hint >= PROCESS_PARSE_MIN_BYTES:
        return _in_process(request, source)
    return _in_thread(request, source)


def source_size(source: BinaryIO) -> int | None:
    """The upload's size when it can be known without reading it (a file on disk, a spooled
    upload); None for a stream."""
    try:
        return os.fstat(source.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    try:
        position = source.tell()
        size = source.seek(0, os.SEEK_END)
        source.seek(position)
        return size - position
    except (AttributeError, OSError, ValueError):
        return None


def _produce(request: ParseRequest, source: BinaryIO, emit: Callable[[Staged], None]) -> None:
    connector = connector_for(request.format)
    assert connector is not None, request.format  # the caller checked the format
    encoder = _RowEncoder(request)
    records = 0
    refused = False
    rates: list[FxRate] = []
    for item in connector.parse(source, request.options):
        if isinstance(item, Problem):
            refused = True
            emit(item)
            continue
        records += 1
        if refused:
            continue
        if isinstance(item, FxRate):
            # Reference rates are the platform's, not the seller's: the shared rates table.
            rates.append(item)
            if len(rates) >= RATES_CHUNK:
                emit(Rates(rates))
                rates = []
            continue
        for table in encoder.add(item):
            emit(encoder.take(table, records))
    if not refused:
        for table in encoder.pending():
            emit(encoder.take(table, records))
        if rates:
            emit(Rates(rates))
    emit(ParseFinished(records))


class _RowEncoder:
    """Maps each canonical record to its table's row, in COPY text, gathered per table."""

    def __init__(self, request: ParseRequest) -> None:
        self._seller = request.seller_organisation_id
        self._secret = request.secret
        self._lines: dict[str, list[str]] = {}

    def add(self, record: TradeRecord) -> list[str]:
        """Encode the record; return the tables whose chunk is now full."""
        full = []
        for load, values in self._rows(record):
            lines = self._lines.setdefault(load.table, [])
            lines.append(copy_text_line((record.line, *values)))
            if len(lines) >= COPY_CHUNK_ROWS:
                full.append(load.table)
        return full

    def pending(self) -> list[str]:
        return [table for table, lines in self._lines.items() if lines]

    def take(self, table: str, records: int) -> StagedRows:
        lines = self._lines.pop(table)
        return StagedRows(table, "".join(lines), len(lines), records)

    def _rows(self, record: TradeRecord) -> list[tuple[TableLoad, tuple[Any, ...]]]:
        if isinstance(record, SettlementLine):
            return [(SETTLEMENT_LINES, (
                record.marketplace, record.settlement_id, record.source_key, record.kind.value,
                record.transaction_type[:64], record.description[:200], record.amount.currency,
                record.amount.amount, record.posted_at, record.order_id, record.sku, record.quantity))]
        if isinstance(record, Settlement):
            return [(SETTLEMENTS, (
                record.marketplace, record.settlement_id, record.total.currency, record.total.amount,
                record.period_start, record.period_end, record.deposit_date, record.status))]
        if isinstance(record, Order):
            order = (ORDERS, (
                record.marketplace, record.order_id, record.purchased_at, record.status[:32],
                record.currency, None if record.total is None else record.total.amount,
                record.ship_country, record.sales_channel,
                personal_data.encrypt(record.buyer, secret=self._secret,
                                      seller_organisation_id=self._seller),
                None if record.line_items_total is None else record.line_items_total.amount))
            return [order, *((ORDER_LINES, (
                record.marketplace, record.order_id, order_line.line_key, order_line.sku, order_line.title,
                order_line.quantity, order_line.item_price.currency, order_line.item_price.amount))
                for order_line in record.lines)]
        if isinstance(record, TrackingEvent):
            return [(TRACKING_EVENTS, (
                record.carrier, record.tracking_number, record.status.value, record.carrier_status[:64],
                record.event_at, record.location and record.location[:200], record.message,
                record.order_id, record.warehouse))]
        if isinstance(record, StockSnapshot):
            return [(STOCK_SNAPSHOTS, (
                record.warehouse, record.sku, record.snapshot_date, record.on_hand, record.pledged,
                record.locked, None if record.unit_cost is None else record.unit_cost.currency,
                None if record.unit_cost is None else record.unit_cost.amount))]
        if isinstance(record, StockMovement):
            return [(STOCK_MOVEMENTS, (
                record.warehouse, record.movement_id, record.sku, record.kind.value, record.quantity,
                record.moved_at, record.reference))]
        if isinstance(record, CustomsDeclaration):
            return [(CUSTOMS_DECLARATIONS, (
                record.declaration_id, record.declared_at, record.status, record.hs_code,
                record.description, record.quantity, record.unit, record.declared_value.currency,
                record.declared_value.amount, record.origin_country, record.destination_country,
                record.port_of_loading, record.port_of_discharge, record.reference))]
        if isinstance(record, ProductReturn):
            return [(RETURNS, (
                record.marketplace, record.return_id, record.order_id, record.sku, record.quantity,
                record.returned_at, record.reason and record.reason[:100]))]
        if isinstance(record, CustomerReview):
            return [(REVIEWS, (
                record.marketplace, record.review_id, record.sku, record.rating, record.reviewed_at))]
        raise TypeError(f"no table for {type(record).__name__}")


# --- ahead of the caller -------------------------------------------------------------------

CHUNKS_AHEAD = 64  # ~50 MB of a settlement's rows: enough to keep parsing through a chunk merge
_END = object()


def _ahead(produce: Callable[[Callable[[Staged], None]], None]) -> Iterator[Staged]:
    """Run ``produce(emit)`` in a thread of its own, up to CHUNKS_AHEAD chunks ahead of the
    caller: while the caller waits for the database (a chunk merge; the driver releases the GIL)
    the producer keeps going. The queue bounds memory; a producer's error is raised here, in the
    caller's thread."""
    messages: queue.Queue[object] = queue.Queue(maxsize=CHUNKS_AHEAD)
    stop = threading.Event()
    pending: list[Staged] = []

    def emit(message: Staged) -> None:
        # Problems and small messages travel in groups: one queue hand-over per item would cost
        # more than the parsing of a short line.
        pending.append(message)
        if isinstance(message, StagedRows | ParseFinished | Rates) or len(pending) >= 100:
            messages.put(list(pending))
            pending.clear()
        if stop.is_set():
            raise _Stopped

    def run() -> None:
        try:
            produce(emit)
            messages.put(_END)
        except _Stopped:
            return
        except BaseException as error:  # noqa: BLE001 - handed to the consuming thread
            messages.put(error)

    # The producer sees the caller's context (language, clock overrides).
    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True,
                              name="tradedata-parse")
    thread.start()
    try:
        while True:
            message = messages.get()
            if message is _END:
                return
            if isinstance(message, BaseException):
                raise message
            yield from cast(list[Staged], message)
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            try:
                messages.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


class _Stopped(Exception):
    pass


def _in_thread(request: ParseRequest, source: BinaryIO) -> Iterator[Staged]:
    return _ahead(lambda emit: _produce(request, source, emit))


def _in_process(request: ParseRequest, source: BinaryIO) -> Iterator[Staged]:
    """A fresh interpreter running this module: the request and then the upload go in through
    its standard input (fed here by a thread, so the caller's reader keeps hashing and counting
    the bytes), and the messages come back pickled through its standard output, read as they
    come so the process never waits for the caller's merges. A fresh interpreter rather than a
    fork: the web server's threads and locks stay behind."""
    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", PARSE_PROCESS_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None
    assert process.stdout is not None
    output = process.stdout
    feeding = threading.Thread(target=_feed, args=(request, source, process.stdin), daemon=True,
                               name="tradedata-feed")
    feeding.start()

    def receive(emit: Callable[[Staged], None]) -> None:
        while True:
            try:
                message = pickle.load(output)  # noqa: S301 - from our own child process
            except EOFError:
                raise RuntimeError("the parse process stopped without finishing") from None
            if isinstance(message, BaseException):
                raise message
            emit(cast(Staged, message))
            if isinstance(message, ParseFinished):
                return

    try:
        yield from _ahead(receive)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        output.close()
        feeding.join()


def _feed(request: ParseRequest, source: BinaryIO, sink: BinaryIO) -> None:
    try:
        pickle.dump(request, sink)
        while chunk := source.read(FEED_CHUNK_BYTES):
            sink.write(chunk)
    except (BrokenPipeError, OSError, ValueError):
        pass  # the parse process ended first (it failed or was stopped): its side reports why
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            sink.close()


def serve() -> None:
    """The parse process: read the request, parse the rest of standard input, write messages."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    request = pickle.load(source)  # noqa: S301 - from the parent that started this process

    def emit(message: Staged | BaseException) -> None:
        pickle.dump(message, sink, protocol=pickle.HIGHEST_PROTOCOL)
        if isinstance(message, StagedRows | ParseFinished | BaseException):
            sink.flush()

    try:
        _produce(request, cast(BinaryIO, source), emit)
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        emit(error)
    sink.flush()
