"""Amazon's settlement and order reports, written from canonical records for the demo world.

The layouts are the ones ``fourflow.tradedata.connectors.amazon`` reads (and documents):
- ``write_amazon_settlement_v2``: Flat File V2 settlement report. US style writes
  "2021-03-01 18:47:15 UTC" and posted-date as MM/DD/YY (Amazon's V2 change-log), UTF-8; EU
  style writes "01.03.2021 18:47:15 UTC", "1.234,56" and Windows-1252, as EU downloads are.
- ``write_amazon_settlement_legacy``: the older Flat File, ISO 8601 dates with offset, as the
  real 2015 files are.
- ``write_amazon_orders``: the All Orders report in the columns Amazon's attributes page lists.

A line's ``description`` is "<amount-type>/<amount-description>" as the connector builds it;
the writers split it back. Summary rows leave the line columns empty and line rows leave the
summary columns (other than settlement-id) empty, as Amazon's files do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from fourflow.core.money import Money, minor_units
from fourflow.tradedata.connectors.amazon.orders import DOCUMENTED_COLUMNS
from fourflow.tradedata.connectors.amazon.settlement import (
    LEGACY_AMOUNTS,
    LEGACY_COLUMNS,
    V2_COLUMNS,
)
from fourflow.tradedata.records import Order, Settlement, SettlementLine

_V2_DATETIME_US = "%Y-%m-%d %H:%M:%S UTC"
_V2_DATETIME_EU = "%d.%m.%Y %H:%M:%S UTC"
_POSTED_DATE_US = "%m/%d/%y"
_POSTED_DATE_EU = "%d.%m.%Y"


def write_amazon_settlement_v2(settlement: Settlement, lines: Iterable[SettlementLine], *,
                               eu_style: bool) -> bytes:
    rows: list[dict[str, str]] = [_summary_row(settlement, eu_style=eu_style, iso=False)]
    for line in lines:
        amount_type, _, amount_description = line.description.partition("/")
        rows.append(_line_row(line) | {
            "amount-type": amount_type,
            "amount-description": amount_description,
            "amount": _amount_text(line.amount, eu_style=eu_style),
            "posted-date": _text_of(line.posted_at,
                                    _POSTED_DATE_EU if eu_style else _POSTED_DATE_US),
            "posted-date-time": _text_of(line.posted_at,
                                         _V2_DATETIME_EU if eu_style else _V2_DATETIME_US),
        })
    return _tab_separated(V2_COLUMNS, rows, "cp1252" if eu_style else "utf-8")


def write_amazon_settlement_legacy(settlement: Settlement, lines: Iterable[SettlementLine]) -> bytes:
    """Each line on a row of its own, in the amount column its amount-type belongs to; an
    amount-type the older layout has no column for goes to other-amount."""
    by_type = {amount.amount_type: amount for amount in LEGACY_AMOUNTS}
    rows: list[dict[str, str]] = [_summary_row(settlement, eu_style=False, iso=True)]
    for line in lines:
        amount_type, _, detail = line.description.partition("/")
        column = by_type.get(amount_type, by_type["other"])
        row = _line_row(line) | {
            "posted-date": _text_of(line.posted_at, None),
            column.amount_column: _amount_text(line.amount, eu_style=False),
        }
        if column.type_column is not None:
            row[column.type_column] = detail
        rows.append(row)
    return _tab_separated(LEGACY_COLUMNS, rows, "utf-8")


def write_amazon_orders(orders: Iterable[Order], *, encoding: str = "utf-8") -> bytes:
    """One row per order line. The order's total beyond its item prices is written as
    shipping-price (or, when below them, as a negative item-promotion-discount) on its first
    row, so the total reads back the same. An order without a total is written as Amazon
    writes a Pending one: without prices."""
    rows: list[dict[str, str]] = []
    for order in orders:
        for index, line in enumerate(order.lines):
            rows.append(_order_row(order, index) | {
                "product-name": line.title or "",
                "sku": line.sku or "",
                "quantity": str(line.quantity),
                "item-price": ("" if order.total is None
                               else _amount_text(line.item_price, eu_style=False)),
            })
    return _tab_separated(DOCUMENTED_COLUMNS, rows, encoding)


# --- settlement rows ------------------------------------------------------------------------

def _summary_row(settlement: Settlement, *, eu_style: bool, iso: bool) -> dict[str, str]:
    pattern = None if iso else (_V2_DATETIME_EU if eu_style else _V2_DATETIME_US)
    return {
        "settlement-id": settlement.settlement_id,
        "settlement-start-date": _text_of(settlement.period_start, pattern),
        "settlement-end-date": _text_of(settlement.period_end, pattern),
        "deposit-date": _text_of(settlement.deposit_date, pattern),
        "total-amount": _amount_text(settlement.total, eu_style=eu_style),
        "currency": settlement.total.currency,
    }


def _line_row(line: SettlementLine) -> dict[str, str]:
    return {
        "settlement-id": line.settlement_id,
        "transaction-type": line.transaction_type,
        "order-id": line.order_id or "",
        "marketplace-name": marketplace_name(line.marketplace),
        "sku": line.sku or "",
        "quantity-purchased": "" if line.quantity is None else str(line.quantity),
    }


def marketplace_name(marketplace: str) -> str:
    """"amazon.co.uk" as Amazon writes it: "Amazon.co.uk"."""
    return marketplace[:1].upper() + marketplace[1:]


def _text_of(moment: datetime | None, pattern: str | None) -> str:
    if moment is None:
        return ""
    in_utc = moment.astimezone(UTC)
    return in_utc.isoformat() if pattern is None else in_utc.strftime(pattern)


def _amount_text(money: Money, *, eu_style: bool) -> str:
    """At least the currency's decimals (Amazon always writes them); EU style groups thousands
    with "." and uses "," for decimals."""
    decimals = minor_units(money.currency)
    value = money.amount
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -decimals:
        value = value.quantize(Decimal(1).scaleb(-decimals))
    text = f"{value:f}"
    if not eu_style:
        return text
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


# --- order rows -----------------------------------------------------------------------------

def _order_row(order: Order, index: int) -> dict[str, str]:
    city, state, postal_code = _address_parts(order.buyer.address if order.buyer else None)
    row = {
        "amazon-order-id": order.order_id,
        "purchase-date": _text_of(order.purchased_at, None),
        "last-updated-date": _text_of(order.purchased_at, None),
        "order-status": order.status,
        "fulfillment-channel": "Amazon",
        "sales-channel": order.sales_channel or marketplace_name(order.marketplace),
        "item-status": order.status,
        "currency": order.currency,
        "ship-city": city,
        "ship-state": state,
        "ship-postal-code": postal_code,
        "ship-country": order.ship_country or "",
        "is-business-order": "false",
    }
    if index == 0 and order.total is not None:
        row |= _first_row_extras(order, order.total)
    return row


def _first_row_extras(order: Order, total: Money) -> dict[str, str]:
    items = sum((line.item_price.amount for line in order.lines), Decimal(0))
    rest = Money(total.amount - items, order.currency)
    if rest.amount >= 0:
        return {"shipping-price": _amount_text(rest, eu_style=False)}
    return {"item-promotion-discount": _amount_text(rest, eu_style=False)}


def _address_parts(address: str | None) -> tuple[str, str, str]:
    """Back from the connector's "city, state, postal code" (empty parts left out): three parts
    are all of them, two are city and postal code, one is the city."""
    parts = [part.strip() for part in (address or "").split(",")]
    if len(parts) >= 3:
        return parts[0], parts[1], ", ".join(parts[2:])
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return parts[0], "", ""


# --- files ----------------------------------------------------------------------------------

def _tab_separated(columns: Sequence[str], rows: Iterable[dict[str, str]], encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return text.getvalue().encode(encoding)
