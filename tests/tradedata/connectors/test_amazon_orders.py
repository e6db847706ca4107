"""Amazon's All Orders report.

The fixtures under tests/fixtures/tradedata/amazon/ follow Amazon's published layouts of
GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL:
- all_orders_us.txt: the columns of Seller Central downloads of the MWS years (with ``url``,
  without ``cpf``), ISO 8601 dates with offset, UTF-8.
- all_orders_de.txt: the columns the SP-API "Order Tracking reports attributes" page lists
  (``cpf``, no ``url``), Windows-1252 with umlauts in product names and cities.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fourflow.core.money import Money
from fourflow.tradedata.connectors.amazon.orders import DOCUMENTED_COLUMNS, parse_amazon_orders
from fourflow.tradedata.records import BuyerPersonalData, Order, OrderLine, Problem
from fourflow.tradedata.simulation.writers.amazon import write_amazon_orders

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tradedata" / "amazon"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _parse(data: bytes) -> list[object]:
    return list(parse_amazon_orders(io.BytesIO(data)))


def _orders(records: list[object]) -> list[Order]:
    return [record for record in records if isinstance(record, Order)]


def _problems(records: list[object]) -> list[Problem]:
    return [record for record in records if isinstance(record, Problem)]


def _usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def test_us_orders_group_consecutive_items() -> None:
    records = _parse(_fixture("all_orders_us.txt"))
    assert _problems(records) == []
    assert _orders(records) == [
        Order(marketplace="amazon.com", order_id="113-4467281-3322642",
              purchased_at=datetime(2021, 3, 1, 19, 2, 11, tzinfo=UTC), status="Shipped",
              currency="USD", total=_usd("71.67"), ship_country="US", sales_channel="Amazon.com",
              buyer=BuyerPersonalData(address="SEATTLE, WA, 98109-4311"),
              lines=(OrderLine("BX-CHARGER-65W#1", "BX-CHARGER-65W", "BX 65W USB-C Charger, GaN, 2-Port",
                               2, _usd("59.98")),
                     OrderLine("BX-CABLE-USBC-2M#1", "BX-CABLE-USBC-2M", "BX USB-C to USB-C Cable 2 m",
                               1, _usd("12.99"))),
              line=2),
        # Shipping 4.99, fully discounted by a shipping promotion.
        Order(marketplace="amazon.com", order_id="112-9035521-7704230",
              purchased_at=datetime(2021, 3, 3, 23, 48, 50, tzinfo=UTC), status="Shipped",
              currency="USD", total=_usd("1249.00"), ship_country="US", sales_channel="Amazon.com",
              buyer=BuyerPersonalData(address="AUSTIN, TX, 78701"),
              lines=(OrderLine("BX-DOCK-12IN1#1", "BX-DOCK-12IN1", "BX Pro Docking Station 12-in-1", 1,
                               _usd("1249.00")),),
              line=4),
        # Pending: no prices and no currency yet; the currency is the channel's.
        Order(marketplace="amazon.com", order_id="114-5820193-0046617",
              purchased_at=datetime(2021, 3, 14, 21, 15, 0, tzinfo=UTC), status="Pending",
              currency="USD", total=None, ship_country="US", sales_channel="Amazon.com",
              buyer=BuyerPersonalData(address="PORTLAND, OR, 97205"),
              lines=(OrderLine("BX-CHARGER-65W#1", "BX-CHARGER-65W", "BX 65W USB-C Charger, GaN, 2-Port",
                               1, _usd("0")),),
              line=5),
        # A discount written as a positive number still lowers the total; a purchase time with
        # a -08:00 offset is stored in UTC; the same SKU twice gets #1 and #2.
        Order(marketplace="amazon.com", order_id="111-2876540-9953021",
              purchased_at=datetime(2021, 3, 5, 16, 30, 12, tzinfo=UTC), status="Shipped",
              currency="USD", total=_usd("17.99"), ship_country="US", sales_channel="Amazon.com",
              buyer=BuyerPersonalData(address="BROOKLYN, NY, 11201"),
              lines=(OrderLine("BX-MOUNT-MAG#1", "BX-MOUNT-MAG", "BX Magnetic Phone Mount", 1,
                               _usd("19.99")),
                     OrderLine("BX-MOUNT-MAG#2", "BX-MOUNT-MAG", "BX Magnetic Phone Mount", 0,
                               _usd("0.00"))),
              line=6),
        # Multi-channel fulfilment: the marketplace is the currency's, the channel is kept.
        Order(marketplace="amazon.com", order_id="S01-4471209-5531904",
              purchased_at=datetime(2021, 3, 7, 12, 0, 0, tzinfo=UTC), status="Shipped",
              currency="USD", total=None, ship_country="US", sales_channel="Non-Amazon",
              buyer=BuyerPersonalData(address="DENVER, CO, 80202"),
              lines=(OrderLine("BX-CABLE-USBC-2M#1", "BX-CABLE-USBC-2M", "BX USB-C to USB-C Cable 2 m",
                               3, _usd("0")),),
              line=8),
    ]


def test_de_orders_in_windows_1252_with_the_documented_columns() -> None:
    records = _parse(_fixture("all_orders_de.txt"))
    assert _problems(records) == []
    assert _orders(records) == [
        Order(marketplace="amazon.de", order_id="028-1234567-1234567",
              purchased_at=datetime(2021, 3, 2, 9, 58, 31, tzinfo=UTC), status="Shipped",
              currency="EUR", total=_eur("1098.80"), ship_country="DE", sales_channel="Amazon.de",
              buyer=BuyerPersonalData(address="München, Bayern, 80331"),
              lines=(OrderLine("KÜCHENWAAGE-PRO#1", "KÜCHENWAAGE-PRO",
                               "Küchenwaage „Präzision“ – Edelstahl, 15 kg", 1, _eur("1049.00")),
                     OrderLine("MESSBECHER-GRÜN#1", "MESSBECHER-GRÜN", "Messbecher grün, 500 ml", 2,
                               _eur("49.80"))),
              line=2),
        Order(marketplace="amazon.fr", order_id="171-5556667-1112223",
              purchased_at=datetime(2021, 3, 5, 17, 40, 0, tzinfo=UTC), status="Shipped",
              currency="EUR", total=_eur("22.41"), ship_country="FR", sales_channel="Amazon.fr",
              buyer=BuyerPersonalData(address="Besançon, 25000"),
              lines=(OrderLine("MESSBECHER-GRÜN#1", "MESSBECHER-GRÜN", "Messbecher grün, 500 ml", 1,
                               _eur("24.90")),),
              line=4),
    ]


# --- malformed files ------------------------------------------------------------------------

def _us_rows() -> list[str]:
    return _fixture("all_orders_us.txt").decode().splitlines(keepends=True)


def test_an_order_split_across_the_file_is_a_problem() -> None:
    rows = _us_rows()
    records = _parse("".join([*rows, rows[1]]).encode())
    assert _problems(records) == [Problem(
        9, "amazon-order-id", "Order {order_id} already appeared at line {first_line}; an order's "
        "items must be listed together.", {"order_id": "113-4467281-3322642", "first_line": "2"})]
    assert len(_orders(records)) == 5


def test_a_refused_row_leaves_its_whole_order_out() -> None:
    rows = _us_rows()
    rows[2] = rows[2].replace("\t12.99\t", "\t12.x9\t")
    records = _parse("".join(rows).encode())
    assert _problems(records) == [Problem(3, "item-price", "{value} is not a number.",
                                          {"value": "12.x9"})]
    assert [order.order_id for order in _orders(records)] == [
        "112-9035521-7704230", "114-5820193-0046617", "111-2876540-9953021", "S01-4471209-5531904"]


def test_bad_date_on_an_orders_first_row_skips_its_other_rows() -> None:
    rows = _us_rows()
    rows[1] = rows[1].replace("2021-03-01T19:02:11+00:00", "2021-03-01T25:02:11+00:00")
    records = _parse("".join(rows).encode())
    assert _problems(records) == [Problem(2, "purchase-date", "{value} is not a date and time.",
                                          {"value": "2021-03-01T25:02:11+00:00"})]
    assert "113-4467281-3322642" not in {order.order_id for order in _orders(records)}
    assert len(_orders(records)) == 4


def test_currency_mismatch_and_unknown_channel() -> None:
    rows = _us_rows()
    rows[2] = rows[2].replace("\tUSD\t", "\tCAD\t")
    rows[4] = rows[4].replace("\tAmazon.com\t", "\tAmazon.xx\t")
    records = _parse("".join(rows).encode())
    assert _problems(records) == [
        Problem(3, "currency", "This item is in {found}, but the order's first item is in {expected}.",
                {"found": "CAD", "expected": "USD"}),
        Problem(5, "currency", "The currency is missing and cannot be told from the sales channel "
                "{channel}.", {"channel": "Amazon.xx"}),
    ]


def test_wrong_delimiter() -> None:
    assert _parse(_fixture("all_orders_us.txt").replace(b"\t", b",")) == [Problem(
        1, "file", "The file is {found}-separated; this format is {expected}-separated.",
        {"found": "comma", "expected": "tab"})]


def test_missing_column() -> None:
    rows = _us_rows()
    rows[0] = rows[0].replace("item-price", "price")
    assert _parse("".join(rows).encode()) == [Problem(
        1, "item-price", "Required columns are missing: {columns}.", {"columns": "item-price"})]


def test_truncated_file() -> None:
    data = _fixture("all_orders_us.txt")
    records = _parse(data[: data.rindex(b"\tShipped\t3\t")])
    assert _problems(records) == [Problem(8, "file", "Expected {expected} columns but found {found}.",
                                          {"expected": "32", "found": "13"})]
    # The unreadable row might have been an item of the order before it, so that one waits too.
    assert [order.order_id for order in _orders(records)] == [
        "113-4467281-3322642", "112-9035521-7704230", "114-5820193-0046617"]


def test_wrong_encoding() -> None:
    # UTF-8 in the first 64 KiB sniffed, then Windows-1252 bytes on line 403.
    rows = _us_rows()
    head = rows[0] + "".join(rows[1].replace("113-4467281-3322642", f"113-0000000-{n:07d}")
                             for n in range(401))
    data = head.encode() + rows[6].replace("Mount", "Halterung für Küche").encode("cp1252")
    records = _parse(data)
    assert records[-1] == Problem(403, "file", "The file is not valid {encoding} text here.",
                                  {"encoding": "utf-8"})
    # The order read last (line 402) is held back: the unreadable rows may be its items.
    assert len(_orders(records)) == 400


# --- writer ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "encoding"), [
    ("all_orders_us.txt", "utf-8"), ("all_orders_de.txt", "cp1252")])
def test_writer_round_trip(fixture: str, encoding: str) -> None:
    original = _orders(_parse(_fixture(fixture)))
    written = write_amazon_orders(original, encoding=encoding)
    assert written.decode(encoding).split("\n")[0] == "\t".join(DOCUMENTED_COLUMNS)
    assert [replace(order, line=0) for order in _orders(_parse(written))] == [
        replace(order, line=0) for order in original]
