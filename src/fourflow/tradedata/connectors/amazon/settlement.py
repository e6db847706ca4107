"""Amazon settlement reports: the tab-separated flat files Seller Central publishes for every
payout, in both layouts Amazon has used.

- Flat File V2 (SP-API report type ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``; Amazon's
  "Settlement Reports" page and its 2025 change-log "Deprecation of two payment settlement report
  types"): every amount sits in one ``amount`` column, named by ``amount-type`` and
  ``amount-description``. Columns, in Amazon's order: ``V2_COLUMNS`` below.
- The older Flat File (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE``, deprecated, found in sellers'
  archives): one row carries several amounts side by side (price, item fee, promotion, ...).
  Columns: ``LEGACY_COLUMNS`` below, as in Amazon's files of that era (e.g. the real 2015 file in
  the MWS Rust client's tests).

The layout is told from the header row. In both, the first data row is the settlement summary
(settlement-id, start and end dates, deposit date, total-amount, currency, no transaction type);
every other row is a line of that settlement. Amazon leaves the summary columns empty on line
rows, so a line takes the settlement's currency; a line that names another currency is a
Problem. Summing lines against the total is the quality service's job, not this one's.

Dates follow the marketplace: ``2021-03-01 18:47:15 UTC`` (US), ``01.03.2021 18:47:15 UTC``
(EU), ``2021/03/01 18:47:15 UTC`` (JP), ISO 8601 with offset in the older layout, and
``posted-date`` as MM/DD/YY per Amazon's V2 change-log. ``posted-date-time`` is preferred over
``posted-date`` because it carries the time and has one unambiguous order of fields per file.
EU files write amounts in local style ("1.234,56").
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import BinaryIO

from fourflow.core.i18n import N_
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    decimal_value,
    integer_value,
    mapped_rows,
    money_value,
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

# Where each marketplace pays out, and so which marketplace a settlement in a currency belongs
# to when its rows do not say (summary rows never name one). EUR is paid out for the whole
# unified European account; amazon.de, the largest, stands for it.
MARKETPLACE_CURRENCIES = {
    "amazon.com": "USD", "amazon.ca": "CAD", "amazon.com.mx": "MXN", "amazon.com.br": "BRL",
    "amazon.co.uk": "GBP", "amazon.de": "EUR", "amazon.fr": "EUR", "amazon.it": "EUR",
    "amazon.es": "EUR", "amazon.nl": "EUR", "amazon.com.be": "EUR", "amazon.ie": "EUR",
    "amazon.se": "SEK", "amazon.pl": "PLN", "amazon.com.tr": "TRY", "amazon.ae": "AED",
    "amazon.sa": "SAR", "amazon.eg": "EGP", "amazon.in": "INR", "amazon.co.jp": "JPY",
    "amazon.com.au": "AUD", "amazon.sg": "SGD",
}
_HOME_MARKETPLACES = {
    "USD": "amazon.com", "CAD": "amazon.ca", "MXN": "amazon.com.mx", "BRL": "amazon.com.br",
    "GBP": "amazon.co.uk", "EUR": "amazon.de", "SEK": "amazon.se", "PLN": "amazon.pl",
    "TRY": "amazon.com.tr", "AED": "amazon.ae", "SAR": "amazon.sa", "EGP": "amazon.eg",
    "INR": "amazon.in", "JPY": "amazon.co.jp", "AUD": "amazon.com.au", "SGD": "amazon.sg",
}
UNKNOWN_MARKETPLACE = "amazon"


def default_marketplace(currency: str) -> str:
    """The marketplace that pays out in ``currency``, or plain "amazon" for a currency Amazon
    has no marketplace for."""
    return _HOME_MARKETPLACES.get(currency, UNKNOWN_MARKETPLACE)


def marketplace_from_name(name: str) -> str:
    """Amazon's "Amazon.de" / "Amazon.co.uk" as the domain "amazon.de"; other names Amazon
    writes there (e.g. "Non-Amazon" for multi-channel fulfilment) are kept, lower-cased."""
    return name.strip().lower()


SUMMARY_COLUMNS = ("settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
                   "total-amount", "currency")

V2_COLUMNS = (
    *SUMMARY_COLUMNS, "transaction-type", "order-id", "merchant-order-id", "adjustment-id",
    "shipment-id", "marketplace-name", "amount-type", "amount-description", "amount",
    "fulfillment-id", "posted-date", "posted-date-time", "order-item-code", "merchant-order-item-id",
    "merchant-adjustment-item-id", "sku", "quantity-purchased", "promotion-id",
)

LEGACY_COLUMNS = (
    *SUMMARY_COLUMNS, "transaction-type", "order-id", "merchant-order-id", "adjustment-id",
    "shipment-id", "marketplace-name", "shipment-fee-type", "shipment-fee-amount", "order-fee-type",
    "order-fee-amount", "fulfillment-id", "posted-date", "order-item-code", "merchant-order-item-id",
    "merchant-adjustment-item-id", "sku", "quantity-purchased", "price-type", "price-amount",
    "item-related-fee-type", "item-related-fee-amount", "misc-fee-amount", "other-fee-amount",
    "other-fee-reason-description", "promotion-id", "promotion-type", "promotion-amount",
    "direct-payment-type", "direct-payment-amount", "other-amount",
)

_COMMON_REQUIRED = (*SUMMARY_COLUMNS, "transaction-type")
_V2_REQUIRED = ("order-id", "amount-type", "amount-description", "amount", "posted-date")
_LEGACY_REQUIRED = ("order-id", "posted-date", "price-type", "price-amount", "item-related-fee-type",
                    "item-related-fee-amount")


@dataclass(frozen=True, slots=True)
class LegacyAmount:
    """One amount column of the older layout, the column naming its type (if any), and the
    amount-type it is reported under. Price, item fee and promotion use the V2 names Amazon's
    migration table gives them, so the same money reads the same whichever layout it came in;
    the others keep their column's stem."""

    amount_column: str
    type_column: str | None
    amount_type: str


LEGACY_AMOUNTS = (
    LegacyAmount("shipment-fee-amount", "shipment-fee-type", "shipment-fee"),
    LegacyAmount("order-fee-amount", "order-fee-type", "order-fee"),
    LegacyAmount("price-amount", "price-type", "ItemPrice"),
    LegacyAmount("item-related-fee-amount", "item-related-fee-type", "ItemFees"),
    LegacyAmount("misc-fee-amount", None, "misc-fee"),
    LegacyAmount("other-fee-amount", "other-fee-reason-description", "other-fee"),
    LegacyAmount("promotion-amount", "promotion-type", "Promotion"),
    LegacyAmount("direct-payment-amount", "direct-payment-type", "direct-payment"),
    # In the older layout an "other" amount is named by its transaction-type
    # (e.g. "Current Reserve Amount", "Storage Fee").
    LegacyAmount("other-amount", "transaction-type", "other"),
)

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",   # US, after " UTC" is dropped
    "%d.%m.%Y %H:%M:%S",   # EU
    "%Y/%m/%d %H:%M:%S",   # JP
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%m/%d/%y",            # posted-date as Amazon's V2 change-log documents it
)

_RESERVE_WORD = "reserve"
_TRANSFER_NAMES = frozenset({"transfer", "successful charge", "payable to amazon", "failed charge"})
_FEE_TYPES = frozenset({"cost of advertising", "servicefee"})


def parse_amazon_settlement(source: BinaryIO) -> ConnectorOutput:
    """Settlement and lines of a V2 or older flat file settlement report."""
    rows = read_delimited(source, delimiter="\t", required=_COMMON_REQUIRED)
    problems = 0
    for item in rows:
        if isinstance(item, Problem):
            problems += 1
            yield item
            continue
        line, row = item
        layout_problem = _missing_layout_columns(row)
        if layout_problem is not None:
            yield layout_problem
            return
        if not _is_summary(row):
            yield _missing_summary(line)
            return
        reader = _SettlementReader(legacy="price-amount" in row)
        try:
            yield from reader.summary(line, row)
        except FieldInvalid as invalid:
            # Without its summary no line can be placed in a settlement.
            yield invalid.problem(line)
            return
        yield from mapped_rows(rows, reader.map_row)
        return
    if not problems:
        yield _missing_summary(2)


def _missing_layout_columns(row: dict[str, str]) -> Problem | None:
    required = _LEGACY_REQUIRED if "price-amount" in row else _V2_REQUIRED
    missing = [name for name in required if name not in row]
    if not missing:
        return None
    return Problem(1, missing[0], N_("Required columns are missing: {columns}."),
                   {"columns": ", ".join(missing)})


def _missing_summary(line: int) -> Problem:
    return Problem(line, "total-amount", N_("The settlement summary row is missing: the first row "
                                            "after the column names must carry total-amount and "
                                            "no transaction-type."))


def _is_summary(row: dict[str, str]) -> bool:
    return bool(optional_text(row, "total-amount")) and not optional_text(row, "transaction-type")


@dataclass(slots=True)
class _SettlementReader:
    """State across the rows of one file: the settlement being read and how often each line's
    identity has been seen in it (for the occurrence part of ``source_key``)."""

    legacy: bool
    settlement: Settlement | None = None
    currency: str = ""
    seen: Counter[str] = field(default_factory=Counter)

    def summary(self, line: int, row: dict[str, str]) -> Iterator[TradeRecord]:
        currency = required_text(row, "currency")
        total_text = required_text(row, "total-amount")
        total = money_value(total_text, currency, "total-amount",
                            decimal_comma=uses_decimal_comma(total_text))
        self.settlement = Settlement(
            marketplace=default_marketplace(currency),
            settlement_id=required_text(row, "settlement-id"),
            total=total,
            period_start=_optional_datetime(row, "settlement-start-date"),
            period_end=_optional_datetime(row, "settlement-end-date"),
            deposit_date=_optional_datetime(row, "deposit-date"),
            status=None,
            line=line,
        )
        self.currency = currency
        self.seen = Counter()
        yield self.settlement

    def map_row(self, line: int, row: dict[str, str]) -> Iterable[TradeRecord]:
        if _is_summary(row):
            # A second settlement appended to the same file starts over.
            return list(self.summary(line, row))
        settlement = self._settlement_of(row)
        if self.legacy:
            return self._legacy_lines(line, row, settlement)
        amount_type = required_text(row, "amount-type")
        description = optional_text(row, "amount-description") or ""
        return [self._line(line, row, settlement, amount_type, description,
                           required_text(row, "amount"), "amount")]

    def _settlement_of(self, row: dict[str, str]) -> Settlement:
        assert self.settlement is not None
        settlement_id = required_text(row, "settlement-id")
        if settlement_id != self.settlement.settlement_id:
            raise FieldInvalid("settlement-id", N_("This row belongs to settlement {found}, but the "
                                                   "file is for settlement {expected}."),
                               found=settlement_id, expected=self.settlement.settlement_id)
        currency = optional_text(row, "currency")
        if currency is not None and currency != self.currency:
            raise FieldInvalid("currency", N_("This line is in {found}, but the settlement is paid "
                                              "in {expected}."),
                               found=currency, expected=self.currency)
        return self.settlement

    def _legacy_lines(self, line: int, row: dict[str, str],
                      settlement: Settlement) -> list[SettlementLine]:
        """One line per amount the row carries; a row with none (Amazon writes the quantity on
        a row of its own) gives nothing."""
        lines = []
        for amount in LEGACY_AMOUNTS:
            text = optional_text(row, amount.amount_column)
            if text is None:
                continue
            detail = optional_text(row, amount.type_column) if amount.type_column else None
            lines.append(self._line(line, row, settlement, amount.amount_type, detail or "", text,
                                    amount.amount_column))
        return lines

    def _line(self, line: int, row: dict[str, str], settlement: Settlement, amount_type: str,
              amount_description: str, amount_text_value: str, amount_column: str) -> SettlementLine:
        transaction_type = optional_text(row, "transaction-type") or ""
        amount = money_value(amount_text_value, self.currency, amount_column,
                             decimal_comma=uses_decimal_comma(amount_text_value))
        posted_at = _posted_at(row)
        marketplace_name = optional_text(row, "marketplace-name")
        identity = _identity(row, transaction_type, amount_type, amount_description, posted_at,
                             amount.amount)
        self.seen[identity] += 1
        return SettlementLine(
            marketplace=(marketplace_from_name(marketplace_name) if marketplace_name
                         else settlement.marketplace),
            settlement_id=settlement.settlement_id,
            source_key=source_key(settlement.settlement_id, identity, self.seen[identity]),
            kind=line_kind(transaction_type, amount_type, amount_description),
            transaction_type=transaction_type,
            description=join_description(amount_type, amount_description),
            amount=amount,
            posted_at=posted_at,
            order_id=optional_text(row, "order-id"),
            sku=optional_text(row, "sku"),
            quantity=_optional_quantity(row),
            line=line,
        )


# --- fields ---------------------------------------------------------------------------------

def uses_decimal_comma(text: str) -> bool:
    """EU files write "1.234,56", the others "1234.56": the last separator is the decimal one.
    Amazon always writes the currency's decimals, so a lone comma is a decimal comma."""
    raw = text.strip()
    if "," not in raw:
        return False
    return "." not in raw or raw.rindex(",") > raw.rindex(".")


def join_description(amount_type: str, amount_description: str) -> str:
    return f"{amount_type}/{amount_description}" if amount_description else amount_type


def _optional_datetime(row: dict[str, str], column: str) -> datetime | None:
    text = optional_text(row, column)
    return None if text is None else datetime_value(text, column, DATETIME_FORMATS)


def _posted_at(row: dict[str, str]) -> datetime | None:
    text = optional_text(row, "posted-date-time")
    if text is not None:
        return datetime_value(text, "posted-date-time", DATETIME_FORMATS)
    return _optional_datetime(row, "posted-date")


def _optional_quantity(row: dict[str, str]) -> int | None:
    text = optional_text(row, "quantity-purchased")
    return None if text is None else integer_value(text, "quantity-purchased")


# --- identity -------------------------------------------------------------------------------

_IDENTITY_COLUMNS = ("order-id", "merchant-order-id", "adjustment-id", "shipment-id",
                     "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku")


def _identity(row: dict[str, str], transaction_type: str, amount_type: str,
              amount_description: str, posted_at: datetime | None, amount: Decimal) -> str:
    """What tells a line apart from the other lines of its settlement, independent of where it
    sits in the file and of how the file writes numbers and dates."""
    parts = [transaction_type, amount_type, amount_description,
             posted_at.isoformat() if posted_at else "", _canonical_number(amount)]
    parts.extend([(row.get(column) or "").strip() for column in _IDENTITY_COLUMNS])
    return "\x1f".join(parts)


def _canonical_number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def source_key(settlement_id: str, identity: str, occurrence: int) -> str:
    """``<settlement-id>-<digest of the line's identity>-<occurrence>``.

    Amazon gives settlement lines no id of their own, and a settlement can hold rows that are
    identical in every column (two units of one SKU charged the same fee at the same second).
    The line number would tell those apart but changes when a settlement is downloaded again
    (an open settlement grows; the summary row is rewritten), so the key counts occurrences of
    the same identity instead: the n-th identical row of a settlement keeps key n in every
    download that contains it, and rows added in a later download get new keys."""
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]
    return f"{settlement_id}-{digest}-{occurrence}"


# --- kinds ----------------------------------------------------------------------------------

@lru_cache(maxsize=1024)  # a settlement has a handful of distinct combinations, repeated
def line_kind(transaction_type: str, amount_type: str, amount_description: str) -> SettlementLineKind:
    """Amazon's own names onto the canonical kinds. Tax is tax whatever the transaction (so
    refunded tax nets against collected tax); other ItemPrice amounts of a refund are refunds."""
    transaction = transaction_type.strip().lower()
    kind_of_amount = amount_type.strip().lower()
    detail = amount_description.strip().lower()
    if _RESERVE_WORD in detail or _RESERVE_WORD in transaction:
        return SettlementLineKind.RESERVE
    if kind_of_amount == "promotion":
        return SettlementLineKind.PROMOTION
    if _is_fee_type(kind_of_amount):
        return SettlementLineKind.FEE
    if kind_of_amount == "itemwithheldtax" or (kind_of_amount == "itemprice" and "tax" in detail):
        return SettlementLineKind.TAX
    if kind_of_amount == "itemprice":
        return _item_price_kind(transaction, detail)
    if transaction in _TRANSFER_NAMES or detail in _TRANSFER_NAMES:
        return SettlementLineKind.TRANSFER
    if kind_of_amount in {"other-transaction", "other"}:
        return (SettlementLineKind.FEE if "fee" in detail or "fee" in transaction
                else SettlementLineKind.ADJUSTMENT)
    if "reimbursement" in kind_of_amount or "chargeback" in transaction:
        return SettlementLineKind.ADJUSTMENT
    return SettlementLineKind.OTHER


def _is_fee_type(kind_of_amount: str) -> bool:
    return (kind_of_amount in _FEE_TYPES or kind_of_amount.endswith("fees")
            or kind_of_amount.endswith("-fee"))


def _item_price_kind(transaction: str, detail: str) -> SettlementLineKind:
    if "chargeback" in transaction:
        return SettlementLineKind.ADJUSTMENT
    if "refund" in transaction:
        return SettlementLineKind.REFUND
    if "shipping" in detail:
        return SettlementLineKind.SHIPPING
    return SettlementLineKind.SALE


def decimal_of(text: str, column: str) -> Decimal:
    """A number in either style (used by the orders report too)."""
    return decimal_value(text, column, decimal_comma=uses_decimal_comma(text))
