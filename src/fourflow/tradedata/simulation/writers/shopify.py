"""Shopify files for the demo world, written from canonical records in the layouts the Shopify
connectors read (Admin REST API documents and the admin's CSV exports).

What the canonical records do not carry is filled as a real file would have it and is not read
back: a payout's ``summary`` is left out (it aggregates the transactions), a transaction's
``payout_status`` is "paid", an order's ``name`` is ``#<id>``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from fourflow.core.money import Money
from fourflow.tradedata.connectors.shopify.orders import (
    CSV_DATETIME_FORMAT as ORDERS_CSV_DATETIME_FORMAT,
)
from fourflow.tradedata.connectors.shopify.orders import ORDERS_CSV_COLUMNS, UNFULFILLED
from fourflow.tradedata.connectors.shopify.payouts import (
    CSV_DATETIME_FORMAT as TRANSACTIONS_CSV_DATETIME_FORMAT,
)
from fourflow.tradedata.connectors.shopify.payouts import (
    FEE_KEY_SUFFIX,
    TRANSACTIONS_CSV_COLUMNS,
)
from fourflow.tradedata.records import Order, Settlement, SettlementLine

PAID = "paid"


# --- payouts ----------------------------------------------------------------------------------

def write_shopify_payouts_json(settlements: Iterable[Settlement]) -> str:
    """``GET /shopify_payments/payouts.json``."""
    return _json({"payouts": [_payout(settlement) for settlement in settlements]})


def _payout(settlement: Settlement) -> dict[str, Any]:
    return {
        "id": _id(settlement.settlement_id),
        "status": settlement.status,
        "date": settlement.deposit_date.date().isoformat() if settlement.deposit_date else None,
        "currency": settlement.total.currency,
        "amount": _amount(settlement.total),
    }


# --- balance transactions ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Transaction:
    """A gross line with the fee line that belongs to it, put back together."""

    gross: SettlementLine
    fee: Money

    @property
    def net(self) -> Money:
        return self.gross.amount - self.fee


def _transactions(lines: Iterable[SettlementLine]) -> list[_Transaction]:
    """Fee lines (key ``<id>:fee``, amount minus the fee) rejoin their transaction."""
    collected = list(lines)
    fees = {line.source_key.removesuffix(FEE_KEY_SUFFIX): -line.amount
            for line in collected if line.source_key.endswith(FEE_KEY_SUFFIX)}
    return [_Transaction(line, fees.get(line.source_key, Money.zero(line.amount.currency)))
            for line in collected if not line.source_key.endswith(FEE_KEY_SUFFIX)]


def write_shopify_transactions_json(lines: Iterable[SettlementLine]) -> str:
    """``GET /shopify_payments/balance/transactions.json``."""
    return _json({"transactions": [_transaction(each) for each in _transactions(lines)]})


def _transaction(transaction: _Transaction) -> dict[str, Any]:
    gross = transaction.gross
    return {
        "id": _id(gross.source_key),
        "type": gross.transaction_type,
        "test": False,
        "payout_id": _id(gross.settlement_id),
        "payout_status": PAID,
        "currency": gross.amount.currency,
        "amount": _amount(gross.amount),
        "fee": _amount(transaction.fee),
        "net": _amount(transaction.net),
        "source_id": None,
        "source_type": gross.description or None,
        "source_order_id": _id(gross.order_id) if gross.order_id else None,
        "source_order_transaction_id": None,
        "processed_at": gross.posted_at.isoformat() if gross.posted_at else None,
    }


def write_shopify_payout_transactions_csv(lines: Iterable[SettlementLine]) -> str:
    """The admin's payment transactions export (Finance › Payouts › Export)."""
    return _csv(TRANSACTIONS_CSV_COLUMNS,
                (_transaction_row(each) for each in _transactions(lines)))


def _transaction_row(transaction: _Transaction) -> dict[str, str]:
    gross = transaction.gross
    day = gross.posted_at.date().isoformat() if gross.posted_at else ""
    return {
        "Transaction Date": _csv_datetime(gross.posted_at, TRANSACTIONS_CSV_DATETIME_FORMAT),
        "Type": gross.transaction_type,
        "Order": gross.order_id or "",
        "Payout Status": PAID,
        "Payout Date": day,
        "Payout ID": gross.settlement_id,
        "Available On": day,
        "Amount": _amount(gross.amount),
        "Fee": _amount(transaction.fee),
        "Net": _amount(transaction.net),
        "Payment Method Name": gross.description,
        "Presentment Amount": _amount(gross.amount),
        "Presentment Currency": gross.amount.currency,
        "Currency": gross.amount.currency,
    }


# --- orders -----------------------------------------------------------------------------------

def write_shopify_orders_json(orders: Iterable[Order]) -> str:
    """``GET /orders.json``."""
    return _json({"orders": [_order(order) for order in orders]})


def _order(order: Order) -> dict[str, Any]:
    financial, fulfillment = _statuses(order.status)
    buyer = order.buyer
    return {
        "id": _id(order.order_id),
        "name": f"#{order.order_id}",
        "email": buyer.email if buyer else None,
        "created_at": order.purchased_at.isoformat(),
        "currency": order.currency,
        "total_price": _amount(order.total) if order.total else None,
        "total_line_items_price": _amount(_line_items_total(order)),
        "financial_status": financial,
        "fulfillment_status": None if fulfillment == UNFULFILLED else fulfillment,
        "source_name": order.sales_channel,
        "shipping_address": {
            "name": buyer.name if buyer else None,
            "phone": buyer.phone if buyer else None,
            "address1": buyer.address if buyer else None,
            "country_code": order.ship_country,
        },
        "line_items": [{
            "id": _id(line.line_key),
            "sku": line.sku,
            "name": line.title,
            "quantity": line.quantity,
            "price": _amount(_unit_price(line.item_price, line.quantity)),
        } for line in order.lines],
    }


def write_shopify_orders_csv(orders: Iterable[Order]) -> str:
    """The admin's orders export: one row per line item, order columns on the first only."""
    rows: list[dict[str, str]] = []
    for order in orders:
        if not order.lines:
            raise ValueError(f"order {order.order_id} has no lines; every export row is a line item")
        first = _order_row(order)
        for position, line in enumerate(order.lines):
            row = dict(first) if position == 0 else {"Name": first["Name"], "Email": first["Email"]}
            row.update({
                "Lineitem quantity": str(line.quantity),
                "Lineitem name": line.title or "",
                "Lineitem price": _amount(_unit_price(line.item_price, line.quantity)),
                "Lineitem sku": line.sku or "",
                "Lineitem fulfillment status": "pending",
            })
            rows.append(row)
    return _csv(ORDERS_CSV_COLUMNS, rows)


def _order_row(order: Order) -> dict[str, str]:
    financial, fulfillment = _statuses(order.status)
    buyer = order.buyer
    return {
        "Name": f"#{order.order_id}",
        "Email": (buyer.email if buyer else None) or "",
        "Financial Status": financial,
        "Fulfillment Status": fulfillment,
        "Currency": order.currency,
        "Total": _amount(order.total) if order.total else "",
        "Subtotal": _amount(_line_items_total(order)),
        "Created at": _csv_datetime(order.purchased_at, ORDERS_CSV_DATETIME_FORMAT),
        "Shipping Name": (buyer.name if buyer else None) or "",
        # The whole address goes in the street column; the connector joins the columns back.
        "Shipping Street": (buyer.address if buyer else None) or "",
        "Shipping Country": order.ship_country or "",
        "Shipping Phone": (buyer.phone if buyer else None) or "",
        "Id": order.order_id,
        "Source": order.sales_channel or "",
    }


def _statuses(status: str) -> tuple[str, str]:
    financial, _, fulfillment = status.partition("/")
    return financial, fulfillment or UNFULFILLED


def _unit_price(item_price: Money, quantity: int) -> Money:
    return item_price if quantity == 0 else Money(item_price.amount / quantity, item_price.currency)


# --- formatting -------------------------------------------------------------------------------

def _amount(money: Money) -> str:
    return format(money.quantized().amount, "f")


def _id(text: str) -> int | str:
    """Shopify ids are JSON numbers; anything else stays a string."""
    return int(text) if text.isdigit() else text


def _csv_datetime(moment: datetime | None, pattern: str) -> str:
    return moment.strftime(pattern) if moment else ""


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=_decimal) + "\n"


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _csv(columns: Iterable[str], rows: Iterable[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _line_items_total(order: Order) -> Money:
    """Shopify's ``total_line_items_price``: as read, else each written unit price times its
    quantity."""
    if order.line_items_total is not None:
        return order.line_items_total
    total = Money(Decimal(0), order.currency)
    for line in order.lines:
        total += _unit_price(line.item_price, line.quantity).quantized() * line.quantity
    return total
