"""Shopify payouts and balance transactions.

Layouts: the Admin REST API Payouts and Transactions resources
(https://shopify.dev/docs/api/admin-rest/latest/resources/payouts, .../resources/transactions),
read through the public Shopify/shopify_python_api fixtures in shared data; and the payment
transactions CSV the Shopify admin exports (Finance › Payouts › Export, help.shopify.com
"Viewing and exporting your Shopify Payments payout details"), whose header and
``2024-03-04 09:20:01 +0100`` dates follow real exports: the fixture
tests/fixtures/tradedata/shopify/payment_transactions_export.csv is written in that layout.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fourflow.core.money import Money
from fourflow.tradedata.connectors.shopify.payouts import parse_shopify_payouts
from fourflow.tradedata.records import Problem, Settlement, SettlementLine, SettlementLineKind
from fourflow.tradedata.simulation.writers.shopify import (
    write_shopify_payout_transactions_csv,
    write_shopify_payouts_json,
    write_shopify_transactions_json,
)
from tests.conftest import shared_data

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tradedata" / "shopify"
CSV_HEADER = ("Transaction Date,Type,Order,Card Brand,Card Source,Payout Status,Payout Date,"
              "Payout ID,Available On,Amount,Fee,Net,Checkout,Payment Method Name,"
              "Presentment Amount,Presentment Currency,Currency\n")
CSV_CHARGE = ("2024-03-04 09:20:01 +0100,charge,#1001,visa,online,paid,2024-03-07,91234567890,"
              "2024-03-07,134.80,2.27,132.53,#30012345678901,card,134.80,EUR,EUR\n")


def _parse(data: bytes) -> list[object]:
    return list(parse_shopify_payouts(io.BytesIO(data)))


def _usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


# --- payouts (API) ----------------------------------------------------------------------------

def test_reads_every_payout_of_the_api_sample() -> None:
    records = _parse(shared_data("marketplace/shopify_api_fixture_payouts.json").read_bytes())
    assert all(isinstance(record, Settlement) for record in records)
    assert [(r.settlement_id, r.status, r.deposit_date, r.total, r.line)  # type: ignore[attr-defined]
            for r in records] == [
        ("854088011", "scheduled", datetime(2019, 11, 1, tzinfo=UTC), _usd("43.12"), 1),
        ("512467833", "failed", datetime(2019, 11, 1, tzinfo=UTC), _usd("43.12"), 2),
        ("39438702", "in_transit", datetime(2019, 11, 1, tzinfo=UTC), _usd("43.12"), 3),
        ("710174591", "paid", datetime(2019, 12, 12, tzinfo=UTC), _usd("41.90"), 4),
        ("974708905", "paid", datetime(2019, 11, 13, tzinfo=UTC), Money(Decimal("51.69"), "CAD"), 5),
        ("623721858", "paid", datetime(2019, 11, 12, tzinfo=UTC), _usd("41.90"), 6),
    ]
    assert records[0] == Settlement(
        marketplace="shopify", settlement_id="854088011", total=_usd("43.12"), period_start=None,
        period_end=None, deposit_date=datetime(2019, 11, 1, tzinfo=UTC), status="scheduled", line=1)


def test_reads_a_single_payout_document() -> None:
    document = (b'{"payout": {"id": 623721858, "status": "paid", "date": "2019-11-12", '
                b'"currency": "USD", "amount": "41.90", "summary": {"charges_fee_amount": "1.32"}}}')
    assert _parse(document) == [Settlement(
        marketplace="shopify", settlement_id="623721858", total=_usd("41.90"), period_start=None,
        period_end=None, deposit_date=datetime(2019, 11, 12, tzinfo=UTC), status="paid", line=1)]


# --- balance transactions (API) ---------------------------------------------------------------

def _sample_lines() -> list[SettlementLine]:
    records = _parse(
        shared_data("marketplace/shopify_api_fixture_payouts_transactions.json").read_bytes())
    assert all(isinstance(record, SettlementLine) for record in records)
    return records  # type: ignore[return-value]


def test_each_api_transaction_gives_a_gross_line_and_a_fee_line_when_charged() -> None:
    lines = _sample_lines()
    assert len(lines) == 33  # 25 transactions, 8 of them with a fee
    assert {line.settlement_id for line in lines} == {"623721858"}
    assert len({line.source_key for line in lines}) == 33
    assert [line.line for line in lines[:8]] == [1, 2, 3, 4, 5, 5, 6, 6]
    by_key = {line.source_key: line for line in lines}
    assert by_key["746296004"] == SettlementLine(
        marketplace="shopify", settlement_id="623721858", source_key="746296004",
        kind=SettlementLineKind.SALE, transaction_type="charge", description="charge",
        amount=_usd("10.00"), posted_at=datetime(2020, 11, 5, 0, 52, 8, tzinfo=UTC),
        order_id=None, sku=None, quantity=None, line=6)
    assert by_key["746296004:fee"] == SettlementLine(
        marketplace="shopify", settlement_id="623721858", source_key="746296004:fee",
        kind=SettlementLineKind.FEE, transaction_type="charge", description="fee",
        amount=_usd("-2.00"), posted_at=datetime(2020, 11, 5, 0, 52, 8, tzinfo=UTC),
        order_id=None, sku=None, quantity=None, line=6)
    dispute, dispute_fee = by_key["726130462"], by_key["726130462:fee"]
    assert (dispute.kind, dispute.amount, dispute.order_id, dispute.description) == (
        SettlementLineKind.ADJUSTMENT, _usd("-11.50"), "625362839", "Payments::Dispute")
    assert (dispute_fee.kind, dispute_fee.amount) == (SettlementLineKind.FEE, _usd("-15.00"))
    # A negative fee is a fee given back: its line is positive.
    assert by_key["758509248:fee"].amount == _usd("0.25")
    payout = by_key["854848137"]
    assert (payout.kind, payout.amount, payout.posted_at) == (
        SettlementLineKind.TRANSFER, _usd("-41.90"), datetime(2012, 11, 12, 0, 0, tzinfo=UTC))
    assert (by_key["400852343"].kind, by_key["400852343"].amount) == (
        SettlementLineKind.RESERVE, _usd("-42.00"))
    assert (by_key["1006917261"].kind, by_key["1006917261"].order_id) == (
        SettlementLineKind.REFUND, "217130470")
    assert (by_key["699519475"].kind, by_key["77412310"].kind) == (
        SettlementLineKind.ADJUSTMENT, SettlementLineKind.ADJUSTMENT)
    assert sorted(key for key in by_key if key.endswith(":fee")) == [
        "357948134:fee", "515523000:fee", "567994517:fee", "620327031:fee", "726130462:fee",
        "746296004:fee", "758509248:fee", "843310825:fee"]
    # Without the payout's own transfer, the lines add up to the transactions' amount - fee.
    assert sum((line.amount.amount for line in lines if line.kind != SettlementLineKind.TRANSFER),
               Decimal(0)) == Decimal("81.88")


def test_a_transaction_not_yet_in_a_payout_is_skipped() -> None:
    document = (b'{"transactions": [{"id": 1, "type": "charge", "payout_id": null, '
                b'"payout_status": "pending", "currency": "USD", "amount": "5.00", "fee": "0.30", '
                b'"net": "4.70", "processed_at": "2024-03-04T10:00:00Z"}]}')
    assert _parse(document) == []


def test_an_unknown_transaction_type_is_kept_as_other() -> None:
    document = (b'{"transactions": [{"id": 7, "type": "shopify_collective_debit", "payout_id": 9, '
                b'"currency": "USD", "amount": "-3.00", "fee": "0.00", "net": "-3.00", '
                b'"processed_at": "2024-03-04T10:00:00Z"}]}')
    [line] = _parse(document)
    assert isinstance(line, SettlementLine)
    assert (line.kind, line.transaction_type, line.description) == (
        SettlementLineKind.OTHER, "shopify_collective_debit", "")


# --- malformed JSON ---------------------------------------------------------------------------

_PAYOUT = (b'{"id": 1, "status": "paid", "date": "2019-11-12", "currency": "USD", '
           b'"amount": "41.90"}')


@pytest.mark.parametrize(("document", "expected"), [
    pytest.param(b'{"payouts": [{"id": 1, "status": "pa', [Problem(
        1, "file", "Not valid JSON ({detail}) at column {column}.",
        {"detail": "Unterminated string starting at", "column": "34"})], id="truncated"),
    pytest.param(b'{"items": []}', [Problem(
        1, "file", "This is not a Shopify payouts or balance transactions document: it has no "
        "\"payouts\", \"payout\" or \"transactions\" entry.")], id="wrong shape"),
    pytest.param(b'[1, 2]', [Problem(
        1, "file", "This is not a Shopify payouts or balance transactions document: it has no "
        "\"payouts\", \"payout\" or \"transactions\" entry.")], id="a list"),
    pytest.param(b'{"payouts": [7]}', [Problem(
        1, "file", "Entry {index} is not a JSON object.", {"index": "1"})], id="not an object"),
])
def test_a_broken_payouts_document_is_one_problem(document: bytes, expected: list[Problem]) -> None:
    assert _parse(document) == expected


def test_bad_payout_fields_are_reported_and_the_next_payout_is_read() -> None:
    document = (b'{"payouts": [' + _PAYOUT.replace(b'"41.90"', b'"4l.90"') + b", "
                + _PAYOUT.replace(b'"2019-11-12"', b'"2019-13-12"') + b", "
                + _PAYOUT.replace(b'"USD"', b'"ZZZ"') + b", "
                + _PAYOUT.replace(b'"id": 1', b'"id": null') + b", " + _PAYOUT + b"]}")
    records = _parse(document)
    assert records[:4] == [
        Problem(1, "amount", "{value} is not a number.", {"value": "4l.90"}),
        Problem(2, "date", "{value} is not a date.", {"value": "2019-13-12"}),
        Problem(3, "currency", "Unknown currency code {currency}.", {"currency": "ZZZ"}),
        Problem(4, "id", "A value is required."),
    ]
    assert isinstance(records[4], Settlement)
    assert (records[4].settlement_id, records[4].line) == ("1", 5)
    assert len(records) == 5


def test_bad_transaction_fields_are_reported_per_transaction() -> None:
    transaction = (b'{"id": 5, "type": "charge", "payout_id": 9, "currency": "USD", '
                   b'"amount": "10.00", "fee": "0.50", "processed_at": "2024-03-04T10:00:00Z"}')
    document = (b'{"transactions": [' + transaction.replace(b'"0.50"', b'"abc"') + b", "
                + transaction.replace(b'"2024-03-04T10:00:00Z"', b'"yesterday"') + b", "
                + transaction + b"]}")
    records = _parse(document)
    assert records[:2] == [
        Problem(1, "fee", "{value} is not a number.", {"value": "abc"}),
        Problem(2, "processed_at", "{value} is not a date and time.", {"value": "yesterday"}),
    ]
    assert [(r.source_key, r.amount, r.line) for r in records[2:]] == [  # type: ignore[attr-defined]
        ("5", _usd("10.00"), 3), ("5:fee", _usd("-0.50"), 3)]


# --- payment transactions CSV -----------------------------------------------------------------

def _csv_lines() -> list[SettlementLine]:
    records = _parse((FIXTURES / "payment_transactions_export.csv").read_bytes())
    assert all(isinstance(record, SettlementLine) for record in records)
    return records  # type: ignore[return-value]


def test_reads_the_payment_transactions_export() -> None:
    lines = _csv_lines()
    assert [(line.line, line.kind, line.transaction_type, line.amount, line.order_id,
             line.settlement_id, line.description) for line in lines] == [
        (2, SettlementLineKind.SALE, "charge", _eur("134.80"), "#1001", "91234567890", "card"),
        (2, SettlementLineKind.FEE, "charge", _eur("-2.27"), "#1001", "91234567890", "fee"),
        (3, SettlementLineKind.SALE, "charge", _eur("45.00"), "#1003", "91234567890", "card"),
        (3, SettlementLineKind.FEE, "charge", _eur("-0.88"), "#1003", "91234567890", "fee"),
        (4, SettlementLineKind.REFUND, "refund", _eur("-15.00"), "#1003", "91234567890", "card"),
        (5, SettlementLineKind.ADJUSTMENT, "adjustment", _eur("-2.50"), None, "91234567890", ""),
    ]  # line 6 is pending: not yet in a payout
    assert lines[0].posted_at == datetime(2024, 3, 4, 8, 20, 1, tzinfo=UTC)
    assert sum((line.amount.amount for line in lines), Decimal(0)) == Decimal("159.15")
    assert lines[1].source_key == lines[0].source_key + ":fee"
    assert len({line.source_key for line in lines}) == 6
    # The same file gives the same keys every time.
    assert [line.source_key for line in _csv_lines()] == [line.source_key for line in lines]


def test_payout_columns_filling_in_later_keep_the_csv_key() -> None:
    pending = CSV_CHARGE.replace("paid,2024-03-07,91234567890", "pending,,")
    paid_later = CSV_CHARGE.replace("91234567890", "91234567999")
    assert _parse((CSV_HEADER + pending).encode()) == []
    first = _parse((CSV_HEADER + CSV_CHARGE).encode())[0]
    later = _parse((CSV_HEADER + paid_later).encode())[0]
    assert isinstance(first, SettlementLine)
    assert isinstance(later, SettlementLine)
    assert first.source_key == later.source_key


def test_identical_csv_rows_get_distinct_keys() -> None:
    lines = _parse((CSV_HEADER + CSV_CHARGE + CSV_CHARGE).encode())
    keys = [line.source_key for line in lines]  # type: ignore[attr-defined]
    assert keys == [keys[0], keys[0] + ":fee", keys[0] + "#2", keys[0] + "#2:fee"]


def test_reads_the_export_with_the_vat_column() -> None:
    data = (CSV_HEADER.rstrip("\n") + ",VAT\n" + CSV_CHARGE.rstrip("\n") + ",0.00\n").encode()
    lines = _parse(data)
    assert [(line.kind, line.amount) for line in lines] == [  # type: ignore[attr-defined]
        (SettlementLineKind.SALE, _eur("134.80")), (SettlementLineKind.FEE, _eur("-2.27"))]


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param((CSV_HEADER + CSV_CHARGE + '2024-03-05 14:02:10 +0100,charge,"#10').encode(), [
        Problem(3, "file", "The file is cut off or badly quoted: {detail}.",
                {"detail": "unexpected end of data"})], id="truncated"),
    pytest.param((CSV_HEADER + CSV_CHARGE).replace(",", ";").encode(), [
        Problem(1, "file", "The file is {found}-separated; this format is {expected}-separated.",
                {"found": "semicolon", "expected": "comma"})], id="wrong delimiter"),
    pytest.param((CSV_HEADER.replace(",Fee,", ",") + CSV_CHARGE.replace(",2.27,", ",")).encode(), [
        Problem(1, "Fee", "Required columns are missing: {columns}.", {"columns": "Fee"})],
        id="missing column"),
    pytest.param((CSV_HEADER + CSV_CHARGE.replace("134.80,2.27", "134,8O,2.27")).encode(), [
        Problem(2, "file", "Expected {expected} columns but found {found}.",
                {"expected": "17", "found": "18"})], id="unquoted comma"),
    pytest.param((CSV_HEADER + CSV_CHARGE.replace("134.80,2.27", "134.8O,2.27")).encode(), [
        Problem(2, "Amount", "{value} is not a number.", {"value": "134.8O"})], id="bad number"),
    pytest.param((CSV_HEADER + CSV_CHARGE.replace("2024-03-04 09:20:01 +0100", "04/03/2024 09:20")
                  ).encode(), [
        Problem(2, "Transaction Date", "{value} is not a date and time.",
                {"value": "04/03/2024 09:20"})], id="bad date"),
    pytest.param((CSV_HEADER + CSV_CHARGE.replace("online", "onl\x81ne")).encode("latin-1"), [
        # 0x81 has no character in Windows-1252: the file is refused at the line that holds it.
        Problem(2, "file", "The file is not valid {encoding} text here.", {"encoding": "cp1252"})],
        id="wrong encoding"),
    pytest.param(b"", [Problem(1, "file", "The file is empty.")], id="empty"),
])
def test_a_malformed_export_names_the_line_and_column(data: bytes, expected: list[Problem]) -> None:
    assert [record for record in _parse(data) if isinstance(record, Problem)] == expected


def test_a_bad_row_does_not_stop_the_export() -> None:
    bad = CSV_CHARGE.replace(",2.27,", ",2,27x,").replace("134.80,2,27x", "134.80,2.27x")
    records = _parse((CSV_HEADER + bad + CSV_CHARGE).encode())
    assert records[0] == Problem(2, "Fee", "{value} is not a number.", {"value": "2.27x"})
    assert [r.line for r in records[1:]] == [3, 3]  # type: ignore[attr-defined]


# --- writers ----------------------------------------------------------------------------------

def test_payouts_json_round_trip() -> None:
    settlements = _parse(shared_data("marketplace/shopify_api_fixture_payouts.json").read_bytes())
    written = write_shopify_payouts_json(settlements)  # type: ignore[arg-type]
    assert _parse(written.encode()) == settlements


def test_transactions_json_round_trip() -> None:
    lines = _sample_lines()
    assert _parse(write_shopify_transactions_json(lines).encode()) == lines


def test_payout_transactions_csv_round_trip() -> None:
    lines = _csv_lines()
    written = write_shopify_payout_transactions_csv(lines)
    assert written.splitlines()[0] + "\n" == CSV_HEADER
    again = _parse(written.encode())
    assert again == lines


def test_payout_transactions_csv_round_trip_from_api_lines() -> None:
    """The CSV has no transaction ids, so only the keys differ from the API's."""
    lines = _sample_lines()
    again = _parse(write_shopify_payout_transactions_csv(lines).encode())
    assert len(again) == len(lines)
    for original, read in zip(lines, again, strict=True):
        assert isinstance(read, SettlementLine)
        assert (read.settlement_id, read.kind, read.transaction_type, read.amount,
                read.posted_at, read.order_id) == (
            original.settlement_id, original.kind, original.transaction_type, original.amount,
            original.posted_at, original.order_id)
        assert read.line == original.line + 1
