"""Amazon settlement reports.

The fixtures under tests/fixtures/tradedata/amazon/ follow Amazon's published layouts:
- settlement_v2_us.txt / settlement_v2_de.txt: Flat File V2 settlement report
  (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2, SP-API "Settlement Reports" and the change-log
  "Deprecation of two payment settlement report types": posted-date MM/DD/YY, posted-date-time
  "YYYY-MM-DD HH:MM:SS UTC", EU amounts as "95,00"). The DE file is Windows-1252 with EU dates.
- settlement_legacy_us.txt: the older Flat File (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE), in the
  column order and ISO dates of Amazon's 2015 files (as in the MWS Rust client's tests).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fourflow.core.money import Money
from fourflow.tradedata.connectors.amazon.settlement import (
    V2_COLUMNS,
    line_kind,
    parse_amazon_settlement,
)
from fourflow.tradedata.records import Problem, Settlement, SettlementLine, SettlementLineKind
from fourflow.tradedata.simulation.writers.amazon import (
    write_amazon_settlement_legacy,
    write_amazon_settlement_v2,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tradedata" / "amazon"
K = SettlementLineKind


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _parse(data: bytes) -> list[object]:
    return list(parse_amazon_settlement(io.BytesIO(data)))


def _lines(records: list[object]) -> list[SettlementLine]:
    return [record for record in records if isinstance(record, SettlementLine)]


def _problems(records: list[object]) -> list[Problem]:
    return [record for record in records if isinstance(record, Problem)]


def _at(day: int, hour: int, minute: int, second: int, *, month: int = 3, year: int = 2021) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _summary(data: bytes) -> Settlement:
    first = _parse(data)[0]
    assert isinstance(first, Settlement)
    return first


# --- V2, US ---------------------------------------------------------------------------------

def test_v2_us_summary_becomes_the_settlement() -> None:
    assert _summary(_fixture("settlement_v2_us.txt")) == Settlement(
        marketplace="amazon.com", settlement_id="11774623741", total=Money(Decimal("987.62"), "USD"),
        period_start=_at(1, 18, 47, 15), period_end=_at(15, 18, 47, 15),
        deposit_date=_at(17, 18, 47, 15), status=None, line=2)


def test_v2_us_lines_map_every_amount_type() -> None:
    records = _parse(_fixture("settlement_v2_us.txt"))
    assert _problems(records) == []
    lines = _lines(records)
    assert [(line.line, line.kind, line.transaction_type, line.description, line.amount.amount)
            for line in lines] == [
        (3, K.SALE, "Order", "ItemPrice/Principal", Decimal("59.98")),
        (4, K.TAX, "Order", "ItemPrice/Tax", Decimal("5.40")),
        (5, K.TAX, "Order", "ItemWithheldTax/MarketplaceFacilitatorTax-Principal", Decimal("-5.40")),
        (6, K.FEE, "Order", "ItemFees/Commission", Decimal("-9.00")),
        (7, K.FEE, "Order", "ItemFees/FBAPerUnitFulfillmentFee", Decimal("-4.09")),
        (8, K.FEE, "Order", "ItemFees/FBAPerUnitFulfillmentFee", Decimal("-4.09")),
        (9, K.SALE, "Order", "ItemPrice/Principal", Decimal("1249.00")),
        (10, K.SHIPPING, "Order", "ItemPrice/Shipping", Decimal("4.99")),
        (11, K.PROMOTION, "Order", "Promotion/Shipping", Decimal("-4.99")),
        (12, K.FEE, "Order", "ItemFees/Commission", Decimal("-187.35")),
        (13, K.REFUND, "Refund", "ItemPrice/Principal", Decimal("-29.99")),
        (14, K.TAX, "Refund", "ItemPrice/Tax", Decimal("-2.70")),
        (15, K.FEE, "Refund", "ItemFees/Commission", Decimal("4.50")),
        (16, K.FEE, "Refund", "ItemFees/RefundCommission", Decimal("-0.90")),
        (17, K.ADJUSTMENT, "other-transaction", "FBA Inventory Reimbursement/WAREHOUSE_DAMAGE",
         Decimal("17.45")),
        (18, K.FEE, "ServiceFee", "Cost of Advertising/TransactionTotalAmount", Decimal("-35.20")),
        (19, K.FEE, "other-transaction", "other-transaction/Subscription Fee", Decimal("-39.99")),
        (20, K.RESERVE, "other-transaction", "other-transaction/Previous Reserve Amount Balance",
         Decimal("120.00")),
        (21, K.RESERVE, "other-transaction", "other-transaction/Current Reserve Amount",
         Decimal("-150.00")),
    ]
    assert {line.amount.currency for line in lines} == {"USD"}
    assert {line.marketplace for line in lines} == {"amazon.com"}
    assert {line.settlement_id for line in lines} == {"11774623741"}


def test_v2_us_line_details() -> None:
    lines = _lines(_parse(_fixture("settlement_v2_us.txt")))
    first, reimbursement, reserve = lines[0], lines[14], lines[18]
    assert (first.posted_at, first.order_id, first.sku, first.quantity) == (
        _at(2, 5, 33, 41), "113-4467281-3322642", "BX-CHARGER-65W", 2)
    assert (reimbursement.posted_at, reimbursement.order_id, reimbursement.sku,
            reimbursement.quantity) == (_at(11, 9, 41, 30), None, "BX-CHARGER-65W", 1)
    assert (reserve.posted_at, reserve.order_id, reserve.sku, reserve.quantity) == (
        _at(15, 18, 47, 15), None, None, None)


def test_v2_us_source_keys_are_unique_and_count_identical_rows() -> None:
    lines = _lines(_parse(_fixture("settlement_v2_us.txt")))
    keys = [line.source_key for line in lines]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("11774623741-") for key in keys)
    # Lines 7 and 8 are identical rows: same identity, occurrences 1 and 2.
    assert keys[4].rsplit("-", 1) == [keys[5].rsplit("-", 1)[0], "1"]
    assert keys[5].endswith("-2")


def test_source_keys_are_stable_across_ingestions_and_a_later_download() -> None:
    full = _fixture("settlement_v2_us.txt")
    rows = full.decode().splitlines(keepends=True)
    # An earlier download of the same settlement: fewer lines, one of the identical pair, an
    # older total; the later one has all of them.
    earlier = "".join([rows[0], rows[1].replace("987.62", "512.10"), *rows[2:7]]).encode()
    full_keys = [line.source_key for line in _lines(_parse(full))]
    assert full_keys == [line.source_key for line in _lines(_parse(full))]
    assert [line.source_key for line in _lines(_parse(earlier))] == full_keys[:5]


def test_the_connector_does_not_check_that_lines_add_up() -> None:
    # Sums are the quality service's job: a total that disagrees with the lines is mapped as is.
    data = _fixture("settlement_v2_us.txt").replace(b"\t987.62\tUSD", b"\t1.00\tUSD")
    records = _parse(data)
    assert _problems(records) == []
    assert _summary(data).total == Money(Decimal("1.00"), "USD")
    assert len(_lines(records)) == 19


# --- V2, DE ---------------------------------------------------------------------------------

def test_v2_de_reads_windows_1252_eu_dates_and_decimal_commas() -> None:
    records = _parse(_fixture("settlement_v2_de.txt"))
    assert _problems(records) == []
    assert records[0] == Settlement(
        marketplace="amazon.de", settlement_id="12398761201", total=Money(Decimal("-50.20"), "EUR"),
        period_start=_at(1, 8, 51, 28), period_end=_at(15, 8, 51, 28),
        deposit_date=_at(17, 8, 51, 28), status=None, line=2)
    lines = _lines(records)
    assert [(line.line, line.marketplace, line.kind, line.description, line.amount.amount)
            for line in lines] == [
        (3, "amazon.de", K.SALE, "ItemPrice/Principal", Decimal("1049.00")),
        (4, "amazon.de", K.FEE, "ItemFees/Commission", Decimal("-157.35")),
        (5, "amazon.de", K.FEE, "ItemFees/FBAPerUnitFulfillmentFee", Decimal("-3.64")),
        (6, "amazon.fr", K.SALE, "ItemPrice/Principal", Decimal("24.90")),
        (7, "amazon.fr", K.PROMOTION, "Promotion/Principal", Decimal("-2.49")),
        (8, "amazon.de", K.REFUND, "ItemPrice/Principal", Decimal("-1049.00")),
        (9, "amazon.de", K.FEE, "ItemFees/Commission", Decimal("157.35")),
        (10, "amazon.de", K.FEE, "ItemFees/RefundCommission", Decimal("-31.47")),
        (11, "amazon.de", K.ADJUSTMENT,
         "other-transaction/Rückbuchung – Kulanzerstattung für Überweisung", Decimal("12.50")),
        # No marketplace-name: the settlement's marketplace (EUR → amazon.de).
        (12, "amazon.de", K.RESERVE, "other-transaction/Previous Reserve Amount Balance",
         Decimal("250.00")),
        (13, "amazon.de", K.RESERVE, "other-transaction/Current Reserve Amount", Decimal("-300.00")),
    ]
    assert (lines[0].sku, lines[0].posted_at) == ("KÜCHENWAAGE-PRO", _at(2, 10, 12, 19))
    assert (lines[3].sku, lines[3].posted_at) == ("MESSBECHER-GRÜN", _at(5, 17, 45, 3))


def test_v2_utf8_and_japanese_dates() -> None:
    rows = _v2_file([
        _v2_row(**{"settlement-id": "9", "settlement-start-date": "2021/03/01 00:00:00 UTC",
                   "settlement-end-date": "2021/03/15 00:00:00 UTC", "total-amount": "1500",
                   "currency": "JPY"}),
        _v2_row(**{"settlement-id": "9", "transaction-type": "Order", "order-id": "503-1",
                   "marketplace-name": "Amazon.co.jp", "amount-type": "ItemPrice",
                   "amount-description": "Principal", "amount": "1500",
                   "posted-date": "2021/03/02", "sku": "抹茶-01"}),
    ])
    records = _parse(rows.encode("utf-8"))
    assert isinstance(records[0], Settlement)
    assert records[0].period_start == _at(1, 0, 0, 0)
    line = records[1]
    assert isinstance(line, SettlementLine)
    assert (line.marketplace, line.amount, line.posted_at, line.sku) == (
        "amazon.co.jp", Money(Decimal(1500), "JPY"), _at(2, 0, 0, 0), "抹茶-01")


# --- the older layout -----------------------------------------------------------------------

def test_legacy_rows_give_one_line_per_amount() -> None:
    records = _parse(_fixture("settlement_legacy_us.txt"))
    assert _problems(records) == []
    assert records[0] == Settlement(
        marketplace="amazon.com", settlement_id="6016502941", total=Money(Decimal("-16.63"), "USD"),
        period_start=_at(2, 3, 27, 8, month=12, year=2015),
        period_end=_at(16, 3, 27, 8, month=12, year=2015),
        deposit_date=_at(18, 3, 27, 8, month=12, year=2015), status=None, line=2)
    lines = _lines(records)
    # Line 3 carries only the quantity; line 5 carries a price, an item fee and a promotion.
    assert [(line.line, line.kind, line.transaction_type, line.description, line.amount.amount)
            for line in lines] == [
        (4, K.SALE, "Order", "ItemPrice/Principal", Decimal("27.99")),
        (5, K.SHIPPING, "Order", "ItemPrice/Shipping", Decimal("3.99")),
        (5, K.FEE, "Order", "ItemFees/ShippingHB", Decimal("-0.40")),
        (5, K.PROMOTION, "Order", "Promotion/Shipping", Decimal("-3.99")),
        (6, K.FEE, "Order", "ItemFees/FBAPerOrderFulfillmentFee", Decimal("-1.00")),
        (7, K.FEE, "Order", "ItemFees/Commission", Decimal("-4.20")),
        (9, K.REFUND, "Refund", "ItemPrice/Principal", Decimal("-27.99")),
        (9, K.FEE, "Refund", "ItemFees/Commission", Decimal("4.20")),
        (10, K.RESERVE, "Previous Reserve Amount Balance", "other/Previous Reserve Amount Balance",
         Decimal("100.00")),
        (11, K.RESERVE, "Current Reserve Amount", "other/Current Reserve Amount",
         Decimal("-120.00")),
        (12, K.FEE, "Storage Fee", "other/Storage Fee", Decimal("-13.87")),
        (13, K.ADJUSTMENT, "WAREHOUSE_DAMAGE", "other/WAREHOUSE_DAMAGE", Decimal("18.64")),
    ]
    assert (lines[0].posted_at, lines[0].order_id, lines[0].sku, lines[0].quantity) == (
        _at(2, 4, 15, 26, month=12, year=2015), "112-8095165-5463447", "edifier-p270-gold", None)
    assert (lines[-1].sku, lines[-1].quantity, lines[-1].marketplace) == (
        "edifier-p270-gold", 1, "amazon.com")
    assert len({line.source_key for line in lines}) == len(lines)


# --- kinds ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("transaction_type", "amount_type", "description", "kind"), [
    ("Order", "ItemPrice", "GiftWrap", K.SALE),
    ("Order", "ItemPrice", "ShippingTax", K.TAX),
    ("Refund", "ItemPrice", "Shipping", K.REFUND),
    ("Chargeback Refund", "ItemPrice", "Principal", K.ADJUSTMENT),
    ("Order", "Promotion", "Principal", K.PROMOTION),
    ("Successful charge", "other-transaction", "Successful charge", K.TRANSFER),
    ("other-transaction", "other-transaction", "Reversal Reimbursement", K.ADJUSTMENT),
    ("Order", "Something new", "Never seen", K.OTHER),
])
def test_line_kinds(transaction_type: str, amount_type: str, description: str,
                    kind: SettlementLineKind) -> None:
    assert line_kind(transaction_type, amount_type, description) is kind


# --- malformed files ------------------------------------------------------------------------

def _v2_row(**values: str) -> str:
    return "\t".join(values.get(column, "") for column in V2_COLUMNS)


def _v2_file(rows: list[str], columns: tuple[str, ...] = V2_COLUMNS) -> str:
    return "\n".join(["\t".join(columns), *rows]) + "\n"


def test_empty_file() -> None:
    assert _parse(b"") == [Problem(1, "file", "The file is empty.")]


def test_column_names_only_lack_the_summary_row() -> None:
    assert _problems(_parse(_v2_file([]).encode())) == [Problem(
        2, "total-amount", "The settlement summary row is missing: the first row after the column "
        "names must carry total-amount and no transaction-type.")]


def test_first_row_not_a_summary_stops_the_file() -> None:
    rows = _fixture("settlement_v2_us.txt").decode().splitlines(keepends=True)
    records = _parse("".join([rows[0], *rows[2:]]).encode())
    assert records == [Problem(
        2, "total-amount", "The settlement summary row is missing: the first row after the column "
        "names must carry total-amount and no transaction-type.")]


def test_no_header_row() -> None:
    rows = _fixture("settlement_v2_us.txt").decode().splitlines(keepends=True)
    records = _parse("".join(rows[1:]).encode())
    assert len(records) == 1
    assert isinstance(records[0], Problem)
    assert (records[0].line, records[0].column, records[0].reason) == (
        1, "settlement-id", "Required columns are missing: {columns}.")


def test_wrong_delimiter() -> None:
    data = _fixture("settlement_v2_us.txt").replace(b"\t", b",")
    assert _parse(data) == [Problem(1, "file", "The file is {found}-separated; this format is "
                                    "{expected}-separated.", {"found": "comma", "expected": "tab"})]


def test_missing_column_of_the_layout() -> None:
    columns = tuple(column for column in V2_COLUMNS if column != "amount")
    data = _v2_file([], columns).encode()
    assert _parse(data + b"1\t\t\t\t5.00\tUSD" + b"\t" * (len(columns) - 6) + b"\n") == [
        Problem(1, "amount", "Required columns are missing: {columns}.", {"columns": "amount"})]


def test_missing_common_column() -> None:
    columns = tuple(column for column in V2_COLUMNS if column != "currency")
    assert _parse(_v2_file([], columns).encode()) == [
        Problem(1, "currency", "Required columns are missing: {columns}.", {"columns": "currency"})]


def test_bad_amount_bad_date_and_foreign_currency_are_reported_per_line() -> None:
    data = _fixture("settlement_v2_us.txt").decode().splitlines(keepends=True)
    data[2] = data[2].replace("\t59.98\t", "\t59,9x\t")
    data[3] = data[3].replace("2021-03-02 05:33:41 UTC", "2021-02-30 05:33:41 UTC")
    data[4] = data[4].replace("11774623741\t\t\t\t\t\t", "11774623741\t\t\t\t\tGBP\t")
    data[5] = data[5].replace("11774623741", "11774623742", 1)
    records = _parse("".join(data).encode())
    assert _problems(records) == [
        Problem(3, "amount", "{value} is not a number.", {"value": "59,9x"}),
        Problem(4, "posted-date-time", "{value} is not a date and time.",
                {"value": "2021-02-30 05:33:41 UTC"}),
        Problem(5, "currency", "This line is in {found}, but the settlement is paid in {expected}.",
                {"found": "GBP", "expected": "USD"}),
        Problem(6, "settlement-id", "This row belongs to settlement {found}, but the file is for "
                "settlement {expected}.", {"found": "11774623742", "expected": "11774623741"}),
    ]
    assert len(_lines(records)) == 15  # the other lines are still read


def test_bad_summary_date_stops_the_file() -> None:
    data = _fixture("settlement_v2_us.txt").replace(b"2021-03-01 18:47:15 UTC\t2021-03-15",
                                                    b"2021-03-32 18:47:15 UTC\t2021-03-15")
    assert _parse(data) == [Problem(2, "settlement-start-date", "{value} is not a date and time.",
                                    {"value": "2021-03-32 18:47:15 UTC"})]


def test_truncated_file() -> None:
    data = _fixture("settlement_v2_us.txt")
    cut = data[: data.index(b"Current Reserve Amount")]
    records = _parse(cut)
    assert _problems(records) == [
        Problem(21, "file", "Expected {expected} columns but found {found}.",
                {"expected": "24", "found": "14"})]
    assert len(_lines(records)) == 18


def test_wrong_encoding() -> None:
    # UTF-8 in the first 64 KiB sniffed, then a byte that is not UTF-8 on line 403.
    rows = _fixture("settlement_v2_us.txt").decode().splitlines(keepends=True)
    padding = rows[2] * 400
    data = ("".join(rows[:2]) + padding).encode() + rows[3].replace("Tax", "T\xe4x").encode("cp1252")
    records = _parse(data)
    assert records[-1] == Problem(403, "file", "The file is not valid {encoding} text here.",
                                  {"encoding": "utf-8"})
    assert len(_lines(records)) == 400


# --- writers --------------------------------------------------------------------------------

def _without_position(records: list[object]) -> list[object]:
    """What a writer can reproduce: everything but the line number and the key (which also
    digests identifying columns the canonical records do not carry)."""
    kept: list[object] = []
    for record in records:
        if isinstance(record, SettlementLine):
            kept.append(replace(record, line=0, source_key=""))
        elif isinstance(record, Settlement):
            kept.append(replace(record, line=0))
        else:
            kept.append(record)
    return kept


def _split(records: list[object]) -> tuple[Settlement, list[SettlementLine]]:
    settlement = records[0]
    assert isinstance(settlement, Settlement)
    return settlement, _lines(records)


@pytest.mark.parametrize(("fixture", "eu_style"), [
    ("settlement_v2_us.txt", False), ("settlement_v2_de.txt", True)])
def test_v2_writer_round_trip(fixture: str, eu_style: bool) -> None:
    original = _parse(_fixture(fixture))
    written = write_amazon_settlement_v2(*_split(original), eu_style=eu_style)
    assert _without_position(_parse(written)) == _without_position(original)


def test_v2_writer_eu_style_is_windows_1252_with_eu_numbers_and_dates() -> None:
    settlement, lines = _split(_parse(_fixture("settlement_v2_de.txt")))
    text = write_amazon_settlement_v2(settlement, lines, eu_style=True).decode("cp1252")
    rows = text.split("\n")
    assert rows[0] == "\t".join(V2_COLUMNS)
    assert rows[1].split("\t")[:6] == [
        "12398761201", "01.03.2021 08:51:28 UTC", "15.03.2021 08:51:28 UTC",
        "17.03.2021 08:51:28 UTC", "-50,20", "EUR"]
    first = dict(zip(V2_COLUMNS, rows[2].split("\t"), strict=True))
    assert (first["amount"], first["posted-date"], first["posted-date-time"], first["sku"],
            first["marketplace-name"]) == (
        "1.049,00", "02.03.2021", "02.03.2021 10:12:19 UTC", "KÜCHENWAAGE-PRO", "Amazon.de")


def test_v2_writer_us_style_dates() -> None:
    settlement, lines = _split(_parse(_fixture("settlement_v2_us.txt")))
    rows = write_amazon_settlement_v2(settlement, lines, eu_style=False).decode().split("\n")
    first = dict(zip(V2_COLUMNS, rows[2].split("\t"), strict=True))
    assert (first["amount"], first["posted-date"], first["posted-date-time"]) == (
        "59.98", "03/02/21", "2021-03-02 05:33:41 UTC")


def test_legacy_writer_round_trip() -> None:
    original = _parse(_fixture("settlement_legacy_us.txt"))
    written = write_amazon_settlement_legacy(*_split(original))
    assert _without_position(_parse(written)) == _without_position(original)
