"""Shopify orders.

Layouts: the Admin REST API Order resource (https://shopify.dev/docs/api/admin-rest/latest/
resources/order), read through the public Shopify/shopify_python_api fixture in shared data and
tests/fixtures/tradedata/shopify/orders_api.json (same layout, with line items); and the orders
CSV export of the Shopify admin (Orders › Export, help.shopify.com "Exporting orders"): one row
per line item, order columns on an order's first row only, dates as
``2024-03-04 09:15:22 +0100``, header as in tests/fixtures/tradedata/shopify/orders_export.csv.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fourflow.core.money import Money
from fourflow.tradedata.connectors.shopify.orders import ORDERS_CSV_COLUMNS, parse_shopify_orders
from fourflow.tradedata.records import BuyerPersonalData, Order, OrderLine, Problem
from fourflow.tradedata.simulation.writers.shopify import (
    write_shopify_orders_csv,
    write_shopify_orders_json,
)
from tests.conftest import shared_data

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tradedata" / "shopify"


def _parse(data: bytes) -> list[object]:
    return list(parse_shopify_orders(io.BytesIO(data)))


def _orders(data: bytes) -> list[Order]:
    records = _parse(data)
    assert all(isinstance(record, Order) for record in records), records
    return records  # type: ignore[return-value]


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def _usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


ANNA = BuyerPersonalData(name="Anna Schmidt", email="anna.schmidt@example.com",
                         phone="+49 30 1234567", address="Hauptstraße 5, Berlin, 10115")


# --- API JSON ---------------------------------------------------------------------------------

def test_reads_the_api_sample_order() -> None:
    [order] = _orders(shared_data("marketplace/shopify_api_fixture_orders.json").read_bytes())
    assert order == Order(
        marketplace="shopify", order_id="450789469",
        purchased_at=datetime(2008, 1, 10, 16, 0, tzinfo=UTC),
        status="partially_refunded/unfulfilled", currency="USD", total=_usd("598.94"),
        ship_country="US", sales_channel=None,
        buyer=BuyerPersonalData(
            name="Bob Norman", email="bob.norman@hostmail.com", phone="555-625-1199",
            address="Chestnut Street 92, Louisville, Kentucky, 40202"),
        lines=(), line=1, line_items_total=_usd("597.00"))


def test_reads_orders_with_their_line_items() -> None:
    first, second = _orders((FIXTURES / "orders_api.json").read_bytes())
    assert first == Order(
        marketplace="shopify", order_id="5807373811862",
        purchased_at=datetime(2024, 3, 4, 8, 15, 22, tzinfo=UTC), status="paid/fulfilled",
        currency="EUR", total=_eur("134.80"), ship_country="DE", sales_channel="web", buyer=ANNA,
        lines=(
            OrderLine(line_key="14503418298518", sku="TEA-GRN-100",
                      title="Sencha Green Tea - 100 g", quantity=2, item_price=_eur("49.80")),
            OrderLine(line_key="14503418331286", sku="KETTLE-01", title="Glass Kettle",
                      quantity=1, item_price=_eur("79.00")),
        ), line=1, line_items_total=_eur("128.80"))
    # No shipping address and no order email: the customer is the buyer.
    assert second == Order(
        marketplace="shopify", order_id="5807373844630",
        purchased_at=datetime(2024, 3, 5, 23, 39, 51, tzinfo=UTC),
        status="partially_refunded/unfulfilled", currency="USD", total=_usd("19.99"),
        ship_country=None, sales_channel="pos",
        buyer=BuyerPersonalData(name="Li Wei", email="li.wei@example.com", phone="+14155550100",
                                address=None),
        lines=(OrderLine(line_key="14503418364054", sku=None, title="Gift Wrap", quantity=1,
                         item_price=_usd("19.99")),), line=2, line_items_total=_usd("19.99"))


def test_reads_a_single_order_document() -> None:
    document = (b'{"order": {"id": 1, "created_at": "2024-03-04T09:15:22Z", "currency": "usd", '
                b'"financial_status": "pending", "total_price": "5.00"}}')
    [order] = _orders(document)
    assert (order.order_id, order.status, order.currency, order.total, order.buyer, order.lines) == (
        "1", "pending/unfulfilled", "USD", _usd("5.00"), None, ())


_ORDER = (b'{"id": 1, "created_at": "2024-03-04T09:15:22Z", "currency": "EUR", '
          b'"financial_status": "paid", "total_price": "10.00", '
          b'"line_items": [{"id": 11, "sku": "A", "quantity": 2, "price": "5.00"}]}')


@pytest.mark.parametrize(("document", "expected"), [
    pytest.param(b'{"orders": [{"id": 1, "created_at": "2024', [Problem(
        1, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Unterminated string starting at", "column": "37"})], id="truncated"),
    pytest.param(b'{"products": []}', [Problem(
        1, "file", "This is not a Shopify orders document: it has no \"orders\" or \"order\" entry.")],
        id="wrong shape"),
    pytest.param(b'{"orders": ["#1001"]}', [Problem(
        1, "file", "Entry {index} is not a JSON object.", {"index": "1"})], id="not an object"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"10.00"', b'"1O.00"') + b"]}", [Problem(
        1, "total_price", "{value} is not a number.", {"value": "1O.00"})], id="bad total"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"5.00"', b'"five"') + b"]}", [Problem(
        1, "line_items[0].price", "{value} is not a number.", {"value": "five"})],
        id="bad line price"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"quantity": 2', b'"quantity": 1.5') + b"]}",
                 [Problem(1, "line_items[0].quantity", "{value} is not a whole number.",
                          {"value": "1.5"})], id="fractional quantity"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"2024-03-04T09:15:22Z"', b'"4.3.2024"') + b"]}",
                 [Problem(1, "created_at", "{value} is not a date and time.", {"value": "4.3.2024"})],
                 id="bad date"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"EUR"', b'"EURO"') + b"]}", [Problem(
        1, "currency", "Unknown currency code {currency}.", {"currency": "EURO"})],
        id="bad currency"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"line_items": [', b'"line_items": [3, ') + b"]}",
                 [Problem(1, "line_items[0]", "Expected a JSON object.")], id="line not an object"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"line_items": [', b'"line_items": {"a": [')
                 .replace(b"}]}", b"}]}}") + b"]}",
                 [Problem(1, "line_items", "Expected a list of line items.")], id="lines not a list"),
    pytest.param(b'{"orders": [' + _ORDER.replace(b'"paid", ', b'"paid", "shipping_address": "x", ')
                 + b"]}", [Problem(1, "shipping_address", "Expected a JSON object.")],
                 id="address not an object"),
])
def test_a_broken_orders_document_names_the_entry(document: bytes, expected: list[Problem]) -> None:
    assert _parse(document) == expected


def test_a_bad_order_does_not_stop_the_next() -> None:
    document = b'{"orders": [' + _ORDER.replace(b'"id": 1,', b'"id": "",') + b", " + _ORDER + b"]}"
    records = _parse(document)
    assert records[0] == Problem(1, "id", "A value is required.")
    assert isinstance(records[1], Order)
    assert (records[1].order_id, records[1].line, records[1].lines) == ("1", 2, (
        OrderLine(line_key="11", sku="A", title=None, quantity=2, item_price=_eur("10.00")),))


# --- orders export CSV ------------------------------------------------------------------------

def _export() -> bytes:
    return (FIXTURES / "orders_export.csv").read_bytes()


def test_reads_the_orders_export() -> None:
    first, second = _orders(_export())
    assert first == Order(
        marketplace="shopify", order_id="5807373811862",
        purchased_at=datetime(2024, 3, 4, 8, 15, 22, tzinfo=UTC), status="paid/fulfilled",
        currency="EUR", total=_eur("134.80"), ship_country="DE", sales_channel="web",
        buyer=BuyerPersonalData(name="Anna Schmidt", email="anna.schmidt@example.com",
                                phone="+49 30 1234567", address="Hauptstraße 5, Berlin, 10115"),
        lines=(
            OrderLine(line_key="TEA-GRN-100#1", sku="TEA-GRN-100",
                      title="Sencha Green Tea - 100 g", quantity=2, item_price=_eur("49.80")),
            OrderLine(line_key="KETTLE-01#2", sku="KETTLE-01", title="Glass Kettle", quantity=1,
                      item_price=_eur("79.00")),
        ), line=2, line_items_total=_eur("128.80"))
    assert second == Order(
        marketplace="shopify", order_id="5807373844630",
        purchased_at=datetime(2024, 3, 5, 23, 39, 51, tzinfo=UTC),
        status="partially_refunded/unfulfilled", currency="USD", total=_usd("19.99"),
        ship_country=None, sales_channel="pos", buyer=None,
        lines=(OrderLine(line_key="#1", sku=None, title="Gift Wrap", quantity=1,
                         item_price=_usd("19.99")),), line=4, line_items_total=_usd("19.99"))


def _rows() -> list[str]:
    return _export().decode().splitlines(keepends=True)


def _with(line_number: int, old: str, new: str) -> bytes:
    """The export with one text replaced on one physical line."""
    rows = _rows()
    assert old in rows[line_number - 1]
    rows[line_number - 1] = rows[line_number - 1].replace(old, new, 1)
    return "".join(rows).encode()


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param(_with(3, ",79.00,", ',"79.00'), [
        Problem(4, "file", "The file is cut off or badly quoted: {detail}.",
                {"detail": "unexpected end of data"})], id="truncated"),
    pytest.param(_export().replace(b",", b"\t"), [
        Problem(1, "file", "The file is {found}-separated; this format is {expected}-separated.",
                {"found": "tab", "expected": "comma"})], id="wrong delimiter"),
    pytest.param(_with(1, ",Lineitem price,", ",Lineitem unit price,"), [
        Problem(1, "Lineitem price", "Required columns are missing: {columns}.",
                {"columns": "Lineitem price"})], id="missing column"),
    pytest.param(_with(3, ",79.00,", ",79.0O,"), [
        Problem(3, "Lineitem price", "{value} is not a number.", {"value": "79.0O"})],
        id="bad line price"),
    pytest.param(_with(2, ",134.80,", ",134.8O,"), [
        Problem(2, "Total", "{value} is not a number.", {"value": "134.8O"})], id="bad total"),
    pytest.param(_with(2, ",2024-03-04 09:15:22 +0100,", ",04.03.2024 09:15,"), [
        Problem(2, "Created at", "{value} is not a date and time.", {"value": "04.03.2024 09:15"})],
        id="bad date"),
    pytest.param(_with(3, ",Glass Kettle,", ",Glass Kettle,extra,"), [
        Problem(3, "file", "Expected {expected} columns but found {found}.",
                {"expected": "79", "found": "80"})], id="extra column"),
    pytest.param(_with(3, ",Glass Kettle,", ",Glass Kettle \x81,").decode().encode("latin-1"), [
        Problem(3, "file", "The file is not valid {encoding} text here.", {"encoding": "cp1252"})],
        id="wrong encoding"),
])
def test_a_malformed_export_names_the_line_and_column(data: bytes, expected: list[Problem]) -> None:
    assert [record for record in _parse(data) if isinstance(record, Problem)] == expected


def test_an_order_with_a_bad_row_is_left_out_and_the_next_is_read() -> None:
    records = _parse(_with(3, ",79.00,", ",79.0O,"))
    assert records[0] == Problem(3, "Lineitem price", "{value} is not a number.", {"value": "79.0O"})
    assert [(r.order_id, r.line) for r in records[1:]] == [  # type: ignore[attr-defined]
        ("5807373844630", 4)]


def test_a_bad_first_row_still_checks_the_order_lines() -> None:
    data = _with(3, ",79.00,", ",79.0O,").replace(b",EUR,", b",EURO,")
    assert _parse(data)[:2] == [
        Problem(2, "Currency", "Unknown currency code {currency}.", {"currency": "EURO"}),
        Problem(3, "Lineitem price", "{value} is not a number.", {"value": "79.0O"}),
    ]


def test_an_order_split_apart_in_the_export_is_reported() -> None:
    rows = _rows()
    data = "".join([rows[0], rows[1], rows[3], rows[2]]).encode()
    records = _parse(data)
    assert [getattr(r, "order_id", None) for r in records] == ["5807373811862", "5807373844630", None]
    assert records[2] == Problem(4, "Name", "Order {order} continues here after other orders; "
                                 "its rows must be together.", {"order": "#1001"})


def test_a_row_without_an_order_name_is_reported() -> None:
    records = _parse(_with(3, "#1001,", ","))
    assert records[0] == Problem(3, "Name", "A value is required.")


# --- writers ----------------------------------------------------------------------------------

def test_orders_json_round_trip() -> None:
    orders = _orders((FIXTURES / "orders_api.json").read_bytes())
    assert _orders(write_shopify_orders_json(orders).encode()) == orders
    sample = _orders(shared_data("marketplace/shopify_api_fixture_orders.json").read_bytes())
    assert _orders(write_shopify_orders_json(sample).encode()) == sample


def test_orders_csv_round_trip() -> None:
    orders = _orders(_export())
    written = write_shopify_orders_csv(orders)
    assert written.splitlines()[0] == ",".join(ORDERS_CSV_COLUMNS)
    again = _orders(written.encode())
    assert again == orders


def test_orders_from_the_api_round_trip_through_the_csv_export() -> None:
    orders = _orders((FIXTURES / "orders_api.json").read_bytes())
    again = _orders(write_shopify_orders_csv(orders).encode())
    for original, read in zip(orders, again, strict=True):
        assert (read.order_id, read.purchased_at, read.status, read.currency, read.total,
                read.ship_country, read.sales_channel, read.buyer) == (
            original.order_id, original.purchased_at, original.status, original.currency,
            original.total, original.ship_country, original.sales_channel, original.buyer)
        assert [(line.sku, line.title, line.quantity, line.item_price) for line in read.lines] == [
            (line.sku, line.title, line.quantity, line.item_price) for line in original.lines]


def test_an_order_without_lines_cannot_be_an_export_row() -> None:
    sample = _orders(shared_data("marketplace/shopify_api_fixture_orders.json").read_bytes())
    with pytest.raises(ValueError, match="has no lines"):
        write_shopify_orders_csv(sample)

