"""Shopify Payments payouts and the balance transactions they are made of.

One entry point reads every layout, told apart by content:

- Admin REST API, Payouts resource: ``GET /shopify_payments/payouts.json`` answers
  ``{"payouts": [...]}`` and ``GET /shopify_payments/payouts/{id}.json`` answers
  ``{"payout": {...}}``. Each payout becomes one ``Settlement`` (id, status, date, currency,
  amount). Its ``summary`` holds aggregates of the transactions; it is not mapped, because the
  balance transactions give the lines and the quality service checks the sums.
- Admin REST API, Transactions resource: ``GET /shopify_payments/balance/transactions.json``
  answers ``{"transactions": [...]}`` (id, type, payout_id, payout_status, currency, amount,
  fee, net, source_id, source_type, source_order_id, source_order_transaction_id,
  processed_at).
- The payment transactions CSV the Shopify admin exports (Finance › Payouts › Export):
  ``Transaction Date,Type,Order,Card Brand,Card Source,Payout Status,Payout Date,Payout ID,
  Available On,Amount,Fee,Net,Checkout,Payment Method Name,Presentment Amount,
  Presentment Currency,Currency`` (stores with VAT on fees add a ``VAT`` column at the end),
  dates as ``2026-01-19 12:07:45 +0100``, one row per transaction.

Every transaction gives one line for its gross ``amount`` and, when its ``fee`` is not zero, a
second ``FEE`` line of minus the fee, so a payout's lines add up to its net amount. Shopify's
fee is positive when charged (net = amount - fee).

Transactions not yet in a payout (payout_id empty, payout status "pending") are skipped: the
ingest service skips a ``source_key`` it has already stored, so a line stored under a
placeholder payout would never move to the payout that later pays it. They are read once a
payout has been assigned, from the next export.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, BinaryIO

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money, validate_currency
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    date_value,
    datetime_value,
    decimal_value,
    json_or_delimited,
    load_json,
    optional_text,
    read_delimited,
    required_text,
)
from fourflow.tradedata.records import (
    Problem,
    Settlement,
    SettlementLine,
    SettlementLineKind,
    TradeRecord,
)

MARKETPLACE = "shopify"

# The payment transactions export, in the order the Shopify admin writes it.
TRANSACTIONS_CSV_COLUMNS = (
    "Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status",
    "Payout Date", "Payout ID", "Available On", "Amount", "Fee", "Net", "Checkout",
    "Payment Method Name", "Presentment Amount", "Presentment Currency", "Currency",
)
_CSV_REQUIRED = ("Transaction Date", "Type", "Order", "Payout ID", "Amount", "Fee", "Currency")
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"

# The balance transaction types the Transactions resource documents, and the
# GraphQL-era names that mean the same. Anything else is kept as OTHER with its own type.
_KINDS = {
    "charge": SettlementLineKind.SALE,
    "refund": SettlementLineKind.REFUND,
    "refund_failure": SettlementLineKind.REFUND,
    "dispute": SettlementLineKind.ADJUSTMENT,
    "dispute_reversal": SettlementLineKind.ADJUSTMENT,
    "reserve": SettlementLineKind.RESERVE,
    "reserved_funds": SettlementLineKind.RESERVE,
    "reserved_funds_reversal": SettlementLineKind.RESERVE,
    "reserved_funds_withdrawal": SettlementLineKind.RESERVE,
    "adjustment": SettlementLineKind.ADJUSTMENT,
    "adjustment_reversal": SettlementLineKind.ADJUSTMENT,
    "credit": SettlementLineKind.ADJUSTMENT,
    "debit": SettlementLineKind.ADJUSTMENT,
    "payout": SettlementLineKind.TRANSFER,
    "payout_failure": SettlementLineKind.TRANSFER,
    "payout_cancellation": SettlementLineKind.TRANSFER,
    "shipping_label": SettlementLineKind.FEE,
}
FEE_KEY_SUFFIX = ":fee"
FEE_DESCRIPTION = "fee"


def parse_shopify_payouts(source: BinaryIO) -> ConnectorOutput:
    """Settlements from a payouts document, settlement lines from a transactions document or
    the admin's payment transactions CSV."""
    return json_or_delimited(source, _parse_json, _parse_csv)


# --- JSON -----------------------------------------------------------------------------------

def _parse_json(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    if isinstance(document, dict) and isinstance(document.get("payouts"), list):
        yield from _each_entry(document["payouts"], _payout)
    elif isinstance(document, dict) and isinstance(document.get("payout"), dict):
        yield from _each_entry([document["payout"]], _payout)
    elif isinstance(document, dict) and isinstance(document.get("transactions"), list):
        yield from _each_entry(document["transactions"], _transaction_lines)
    else:
        yield Problem(1, "file", N_("This is not a Shopify payouts or balance transactions "
                                    "document: it has no \"payouts\", \"payout\" or "
                                    "\"transactions\" entry."))


def _each_entry(entries: list[Any],
                mapper: Callable[[int, dict[str, Any]], Iterable[TradeRecord]]) -> ConnectorOutput:
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            yield Problem(index, "file", N_("Entry {index} is not a JSON object."),
                          {"index": str(index)})
            continue
        try:
            yield from mapper(index, entry)
        except FieldInvalid as invalid:
            yield invalid.problem(index)


def _payout(index: int, payout: dict[str, Any]) -> Iterator[Settlement]:
    currency = _currency(payout, "currency")
    deposit_date = date_value(required_text(payout, "date"), "date")
    yield Settlement(
        marketplace=MARKETPLACE,
        settlement_id=required_text(payout, "id"),
        total=Money(decimal_value(required_text(payout, "amount"), "amount"), currency),
        period_start=None,
        period_end=None,
        deposit_date=datetime.combine(deposit_date, time(), UTC),
        status=optional_text(payout, "status"),
        line=index,
    )


def _transaction_lines(index: int, transaction: dict[str, Any]) -> Iterator[SettlementLine]:
    payout_id = optional_text(transaction, "payout_id")
    transaction_id = required_text(transaction, "id")
    transaction_type = required_text(transaction, "type")
    currency = _currency(transaction, "currency")
    amount = Money(decimal_value(required_text(transaction, "amount"), "amount"), currency)
    fee = Money(decimal_value(required_text(transaction, "fee"), "fee"), currency)
    posted_at = datetime_value(required_text(transaction, "processed_at"), "processed_at")
    if payout_id is None:
        return
    yield from _lines(_Transaction(
        settlement_id=payout_id, source_key=transaction_id, transaction_type=transaction_type,
        description=optional_text(transaction, "source_type") or "", amount=amount, fee=fee,
        posted_at=posted_at, order_id=optional_text(transaction, "source_order_id"), line=index))


# --- CSV ------------------------------------------------------------------------------------

def _parse_csv(source: BinaryIO) -> ConnectorOutput:
    # Identical rows (same instant, type, order and amounts) are told apart by how often they
    # have been seen, so their keys stay distinct and the same on every re-ingestion.
    seen: Counter[str] = Counter()
    for item in read_delimited(source, delimiter=",", required=_CSV_REQUIRED):
        if isinstance(item, Problem):
            yield item
            continue
        line, row = item
        try:
            yield from _csv_lines(line, row, seen)
        except FieldInvalid as invalid:
            yield invalid.problem(line)


def _csv_lines(line: int, row: dict[str, str], seen: Counter[str]) -> Iterator[SettlementLine]:
    posted_at = datetime_value(required_text(row, "Transaction Date"), "Transaction Date",
                               (CSV_DATETIME_FORMAT,))
    transaction_type = required_text(row, "Type")
    currency = _currency(row, "Currency")
    amount = Money(decimal_value(required_text(row, "Amount"), "Amount"), currency)
    fee = Money(decimal_value(required_text(row, "Fee"), "Fee"), currency)
    payout_id = optional_text(row, "Payout ID")
    if payout_id is None:
        return
    identity = csv_transaction_identity(posted_at, transaction_type, optional_text(row, "Order"),
                                        amount, fee)
    seen[identity] += 1
    occurrence = seen[identity]
    yield from _lines(_Transaction(
        settlement_id=payout_id,
        source_key=identity if occurrence == 1 else f"{identity}#{occurrence}",
        transaction_type=transaction_type,
        description=optional_text(row, "Payment Method Name") or "",
        amount=amount, fee=fee, posted_at=posted_at, order_id=optional_text(row, "Order"),
        line=line))


def csv_transaction_identity(posted_at: datetime, transaction_type: str, order: str | None,
                             amount: Money, fee: Money) -> str:
    """The export has no transaction id. The key is a digest of what never changes once the
    transaction exists, as values rather than text (so an export in another time zone or with
    other number formatting gives the same key) — not the payout columns, which fill in when
    it is paid out."""
    fields = (posted_at.isoformat(), transaction_type, order or "", amount.currency,
              format(amount.quantized().amount, "f"), format(fee.quantized().amount, "f"))
    return "csv:" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:24]


# --- shared -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Transaction:
    """One balance transaction, whichever layout it came from."""

    settlement_id: str
    source_key: str
    transaction_type: str
    description: str
    amount: Money
    fee: Money
    posted_at: datetime
    order_id: str | None
    line: int


def _lines(transaction: _Transaction) -> Iterable[SettlementLine]:
    kind = _KINDS.get(transaction.transaction_type.lower(), SettlementLineKind.OTHER)
    yield _line(transaction, transaction.source_key, kind, transaction.description,
                transaction.amount)
    if not transaction.fee.is_zero():
        yield _line(transaction, transaction.source_key + FEE_KEY_SUFFIX, SettlementLineKind.FEE,
                    FEE_DESCRIPTION, -transaction.fee)


def _line(transaction: _Transaction, source_key: str, kind: SettlementLineKind,
          description: str, amount: Money) -> SettlementLine:
    return SettlementLine(
        marketplace=MARKETPLACE, settlement_id=transaction.settlement_id, source_key=source_key,
        kind=kind, transaction_type=transaction.transaction_type, description=description,
        amount=amount, posted_at=transaction.posted_at, order_id=transaction.order_id,
        sku=None, quantity=None, line=transaction.line)


def _currency(row: dict[str, Any], column: str) -> str:
    code = required_text(row, column).upper()
    try:
        return validate_currency(code)
    except ValidationFailed:
        raise FieldInvalid(column, N_("Unknown currency code {currency}."), currency=code) from None
