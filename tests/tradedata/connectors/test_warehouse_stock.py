"""Warehouse stock.

Snapshot: tests/fixtures/tradedata/warehouse/fba_manage_inventory.txt follows Amazon's FBA
Manage Inventory report, GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA (Selling Partner API, "FBA
Inventory reports attributes"): tab-delimited, columns sku ... afn-future-supply-buyable.
Movements: tests/fixtures/tradedata/warehouse/movements.json follows our published
src/fourflow/tradedata/published_schemas/warehouse-movements.schema.json."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fourflow.core.clock import FrozenClock
from fourflow.tradedata.connectors.warehouse import stock
from fourflow.tradedata.connectors.warehouse.stock import (
    MANAGE_INVENTORY_COLUMNS,
    parse_warehouse_movements,
    parse_warehouse_stock,
)
from fourflow.tradedata.records import Problem, StockMovement, StockMovementKind, StockSnapshot
from fourflow.tradedata.simulation.writers.logistics import (
    write_warehouse_movements_json,
    write_warehouse_stock_csv,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tradedata" / "warehouse"
ON = date(2024, 2, 1)


def _report() -> bytes:
    return (FIXTURES / "fba_manage_inventory.txt").read_bytes()


def _stock(data: bytes) -> list[StockSnapshot | Problem]:
    parsed = parse_warehouse_stock(io.BytesIO(data), warehouse="AMAZON-FBA-DE", snapshot_date=ON)
    return [item for item in parsed if isinstance(item, StockSnapshot | Problem)]


def _movements(data: bytes) -> list[Any]:
    return list(parse_warehouse_movements(io.BytesIO(data)))


def _movements_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / "movements.json").read_bytes())
    return document


def _with_movement(index: int, **changes: Any) -> bytes:
    document = _movements_document()
    for name, value in changes.items():
        document["movements"][index][name] = value
    return json.dumps(document).encode()


# --- FBA Manage Inventory report ------------------------------------------------------------

def test_the_fixture_header_is_amazons_column_list() -> None:
    header = _report().split(b"\r\n", 1)[0].decode().split("\t")
    assert tuple(header) == MANAGE_INVENTORY_COLUMNS
    assert len(header) == 21


def test_every_row_is_a_snapshot_of_the_units_in_the_warehouse() -> None:
    assert _stock(_report()) == [
        StockSnapshot("AMAZON-FBA-DE", "LAMP-OAK-01", ON, 142, 0, 0, None, 2),
        StockSnapshot("AMAZON-FBA-DE", "LAMP-OAK-02", ON, 0, 0, 0, None, 3),
        StockSnapshot("AMAZON-FBA-DE", "CABLE-USB-C", ON, 1207, 0, 0, None, 4),
    ]


def test_warehouse_and_date_default_to_amazon_fba_today(monkeypatch: Any) -> None:
    monkeypatch.setattr(stock, "get_clock",
                        lambda: FrozenClock(datetime(2024, 3, 9, 23, 30, tzinfo=UTC)))
    [first, *_] = list(parse_warehouse_stock(io.BytesIO(_report())))
    assert isinstance(first, StockSnapshot)
    assert (first.warehouse, first.snapshot_date) == ("AMAZON-FBA", date(2024, 3, 9))


def test_truncated_report() -> None:
    cut = _report()[:-40]
    assert _stock(cut)[-1] == Problem(4, "file", "Expected {expected} columns but found {found}.",
                                      {"expected": "21", "found": "10"})
    assert len(_stock(cut)) == 3


def test_empty_report() -> None:
    assert _stock(b"") == [Problem(1, "file", "The file is empty.")]


def test_comma_separated_report() -> None:
    assert _stock(_report().replace(b"\t", b","))[0] == Problem(
        1, "file", "The file is {found}-separated; this format is {expected}-separated.",
        {"found": "comma", "expected": "tab"})


def test_missing_quantity_column() -> None:
    lines = [line.split(b"\t") for line in _report().split(b"\r\n") if line]
    without = b"\r\n".join(b"\t".join(fields[:9] + fields[10:]) for fields in lines)
    assert _stock(without) == [Problem(1, "afn-warehouse-quantity",
                                       "Required columns are missing: {columns}.",
                                       {"columns": "afn-warehouse-quantity"})]


def test_bad_quantities_are_reported_per_row() -> None:
    data = (_report().replace(b"\tYes\t142\t", b"\tYes\t14x\t")
            .replace(b"\tYes\t0\t", b"\tYes\t2.5\t")
            .replace(b"\tYes\t1207\t", b"\tYes\t-3\t"))
    assert _stock(data) == [
        Problem(2, "afn-warehouse-quantity", "{value} is not a number.", {"value": "14x"}),
        Problem(3, "afn-warehouse-quantity", "{value} is not a whole number.", {"value": "2.5"}),
        Problem(4, "afn-warehouse-quantity", "{value} is negative; a quantity cannot be.",
                {"value": "-3"}),
    ]


def test_blank_sku_and_blank_quantity() -> None:
    data = _report().replace(b"LAMP-OAK-02\t", b"\t").replace(b"\tYes\t1207\t", b"\tYes\t\t")
    assert _stock(data)[1:] == [
        Problem(3, "sku", "A value is required."),
        Problem(4, "afn-warehouse-quantity", "A value is required."),
    ]


def test_wrong_encoding() -> None:
    row = _report().split(b"\r\n")[1]
    data = _report() + (row + b"\r\n") * 700 + row.replace(b"Oak", b"\xff\xfe") + b"\r\n"
    parsed = _stock(data)
    # The bad bytes are on line 705, past the 64 KiB the encoding is detected from: every line
    # before it is read, and the problem names line 705 itself.
    assert len(parsed) == 704
    assert parsed[-1] == Problem(705, "file", "The file is not valid {encoding} text here.",
                                 {"encoding": "utf-8"})


def test_stock_writer_round_trips() -> None:
    snapshots = [
        StockSnapshot("AMAZON-FBA-DE", "LAMP-OAK-01", ON, 142, 0, 0, None, 2),
        StockSnapshot("AMAZON-FBA-DE", "CABLE USB-C, 2m", ON, 0, 0, 0, None, 3),
    ]
    written = write_warehouse_stock_csv(snapshots)
    assert written.splitlines()[0].split("\t") == list(MANAGE_INVENTORY_COLUMNS)
    assert _stock(written.encode()) == snapshots


# --- movements JSON -------------------------------------------------------------------------

def test_movements_fixture_in_full() -> None:
    warehouse = "DE-FRA-01"
    assert _movements((FIXTURES / "movements.json").read_bytes()) == [
        StockMovement(warehouse, "MV-0001", "LAMP-OAK-01", StockMovementKind.INBOUND, 150,
                      datetime(2024, 1, 16, 12, 47, tzinfo=UTC), "PO-2024-0117", 1),
        StockMovement(warehouse, "MV-0002", "LAMP-OAK-01", StockMovementKind.PLEDGED, 100,
                      datetime(2024, 1, 17, 9, 0, tzinfo=UTC), "FACILITY-7/PLEDGE-3", 2),
        StockMovement(warehouse, "MV-0003", "LAMP-OAK-01", StockMovementKind.OUTBOUND, 12,
                      datetime(2024, 1, 18, 15, 30, tzinfo=UTC), "112-7753196-0456208", 3),
        StockMovement(warehouse, "MV-0004", "LAMP-OAK-01", StockMovementKind.ADJUSTMENT, -2,
                      datetime(2024, 1, 31, 23, 0, tzinfo=UTC), None, 4),
        StockMovement(warehouse, "MV-0005", "LAMP-OAK-01", StockMovementKind.LOCKED, 100,
                      datetime(2024, 2, 2, 8, 0, tzinfo=UTC), "FACILITY-7/DEFAULT-1", 5),
        StockMovement(warehouse, "MV-0006", "LAMP-OAK-01", StockMovementKind.RELEASED, 100,
                      datetime(2024, 2, 20, 8, 0, tzinfo=UTC), None, 6),
    ]


def test_truncated_movements() -> None:
    data = (FIXTURES / "movements.json").read_bytes()[:300]
    assert _movements(data) == [Problem(
        7, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Unterminated string starting at", "column": "6"})]


def test_movements_of_another_shape() -> None:
    reason = ("This is not a warehouse movements document: it needs \"warehouse\" and a "
              "\"movements\" list.")
    assert _movements(b'{"warehouse": "X", "items": []}') == [Problem(1, "file", reason)]
    assert _movements(b"id,sku\n1,A\n") == [Problem(
        1, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Expecting value", "column": "1"})]
    assert _movements(b'{"warehouse": " ", "movements": []}') == [
        Problem(1, "warehouse", "A value is required.")]


def test_movements_wrong_encoding() -> None:
    data = b'{"note": "' + b"a" * 70_000 + b'\xff", "warehouse": "X", "movements": []}'
    assert _movements(data) == [Problem(
        1, "file", "The file is not valid {encoding} text here.", {"encoding": "utf-8"})]


def test_bad_movements_are_reported_and_the_rest_read() -> None:
    document = _movements_document()
    rows = document["movements"]
    rows[0]["quantity"] = "abc"
    rows[1]["quantity"] = 0
    rows[2]["quantity"] = -12
    rows[3]["occurred_at"] = "31.01.2024"
    rows[4]["type"] = "shipped"
    del rows[5]["sku"]
    rows.append("MV-0007")
    rows.append({"id": "MV-0001", "sku": "X", "type": "inbound", "quantity": 1.5,
                 "occurred_at": "2024-03-01T00:00:00Z"})
    rows.append({"id": "MV-0001", "sku": "X", "type": "inbound", "quantity": 1,
                 "occurred_at": "2024-03-01T00:00:00Z"})
    rows.append({"id": "MV-0009", "sku": "X", "type": "inbound", "quantity": True,
                 "occurred_at": "2024-03-01T00:00:00Z"})
    rows.append({"id": "MV-0010", "sku": "X", "type": "inbound",
                 "occurred_at": "2024-03-01T00:00:00Z"})
    assert _movements(json.dumps(document).encode()) == [
        Problem(1, "quantity", "{value} is not a number.", {"value": "abc"}),
        Problem(2, "quantity", "{value} must be a positive number of units.", {"value": "0"}),
        Problem(3, "quantity", "{value} must be a positive number of units.", {"value": "-12"}),
        Problem(4, "occurred_at", "{value} is not a date and time.", {"value": "31.01.2024"}),
        Problem(5, "type", "{value} is not a movement type.", {"value": "shipped"}),
        Problem(6, "sku", "A value is required."),
        Problem(7, "movements", "A movement must be an object."),
        Problem(8, "quantity", "{value} is not a whole number.", {"value": "1.5"}),
        StockMovement("DE-FRA-01", "MV-0001", "X", StockMovementKind.INBOUND, 1,
                      datetime(2024, 3, 1, tzinfo=UTC), None, 9),
        Problem(10, "quantity", "{value} is not a number.", {"value": "True"}),
        Problem(11, "quantity", "A value is required."),
    ]


def test_a_repeated_movement_id_is_reported() -> None:
    data = _with_movement(2, id="MV-0001")
    parsed = _movements(data)
    assert parsed[2] == Problem(3, "id", "Movement {value} appears more than once.",
                                {"value": "MV-0001"})
    assert len(parsed) == 6


def test_movements_writer_round_trips() -> None:
    movements = [item for item in _movements((FIXTURES / "movements.json").read_bytes())
                 if isinstance(item, StockMovement)]
    assert _movements(write_warehouse_movements_json(movements).encode()) == movements
