"""Shopify orders, from the Admin API or from the admin's orders export.

- Admin REST API, Order resource: ``GET /orders.json`` answers ``{"orders": [...]}`` and
  ``GET /orders/{id}.json`` answers ``{"order": {...}}``. Read: id, created_at, currency,
  total_price, financial_status, fulfillment_status, source_name, email, phone,
  shipping_address, customer and line_items (id, sku, name or title, quantity, price).
- The orders CSV export (Orders › Export): one row per line item. The first row of an order
  carries the order-level columns (Financial Status, Currency, Total, Created at, Shipping …,
  Id); the following rows of the same ``Name`` carry only the ``Lineitem …`` columns. Dates are
  written ``2026-05-01 10:00:00 +0200``.

Mapping decisions:
- ``order_id`` is Shopify's numeric order id (``id`` / ``Id``), not the ``Name`` ("#1001"):
  names can repeat and change with the store's prefix settings, and the Payments API's
  ``source_order_id`` refers to the id.
- ``status`` is ``"<financial_status>/<fulfillment_status>"`` (e.g. "paid/fulfilled",
  "partially_refunded/unfulfilled"): the money side says whether it is a receivable, the
  goods side whether it has shipped. The API's null fulfillment status is "unfulfilled", as
  the export writes it.
- A line's ``item_price`` is the unit ``price`` × ``quantity``; its title is the line item
  ``name`` (product and variant, as the export's "Lineitem name"), else its ``title``.
- A CSV line item has no id of its own, so its key is ``"<sku>#<n>"`` (n = its position in the
  order).
- The buyer (personal data) is the shipping address' name, phone and address (street, city,
  province, zip; the country is ``ship_country``), with the order's email; missing parts fall
  back to the order's phone and the customer's name, email, phone.
- A CSV order with any unreadable row is not emitted (its Problems are), since a partial order
  would understate it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money, validate_currency
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    decimal_value,
    integer_value,
    json_or_delimited,
    load_json,
    optional_text,
    read_delimited,
    required_text,
)
from fourflow.tradedata.records import BuyerPersonalData, Order, OrderLine, Problem

MARKETPLACE = "shopify"
UNFULFILLED = "unfulfilled"
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"

# The orders export as the Shopify admin writes it.
ORDERS_CSV_COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City",
    "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Notes",
    "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference",
    "Refunded Amount", "Vendor", "Outstanding Balance", "Employee", "Location", "Device ID",
    "Id", "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value",
    "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value",
    "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)
_CSV_REQUIRED = ("Name", "Email", "Financial Status", "Fulfillment Status", "Currency", "Total",
                 "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
                 "Lineitem sku", "Shipping Name", "Shipping Street", "Shipping City",
                 "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone", "Id")


def parse_shopify_orders(source: BinaryIO) -> ConnectorOutput:
    """Orders with their lines from an Admin API orders document or the orders export CSV."""
    return json_or_delimited(source, _parse_json, _parse_csv)


# --- JSON -----------------------------------------------------------------------------------

def _parse_json(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    if isinstance(document, dict) and isinstance(document.get("orders"), list):
        orders: list[Any] = document["orders"]
    elif isinstance(document, dict) and isinstance(document.get("order"), dict):
        orders = [document["order"]]
    else:
        yield Problem(1, "file", N_("This is not a Shopify orders document: it has no "
                                    "\"orders\" or \"order\" entry."))
        return
    for index, order in enumerate(orders, start=1):
        if not isinstance(order, dict):
            yield Problem(index, "file", N_("Entry {index} is not a JSON object."),
                          {"index": str(index)})
            continue
        try:
            yield _json_order(index, order)
        except FieldInvalid as invalid:
            yield invalid.problem(index)


def _json_order(index: int, order: dict[str, Any]) -> Order:
    currency = _currency(order, "currency")
    total = optional_text(order, "total_price")
    line_items_total = optional_text(order, "total_line_items_price")
    shipping = _object(order, "shipping_address")
    return Order(
        marketplace=MARKETPLACE,
        order_id=required_text(order, "id"),
        purchased_at=datetime_value(required_text(order, "created_at"), "created_at"),
        status=order_status(required_text(order, "financial_status"),
                            optional_text(order, "fulfillment_status")),
        currency=currency,
        total=None if total is None else Money(decimal_value(total, "total_price"), currency),
        ship_country=optional_text(shipping, "country_code"),
        sales_channel=optional_text(order, "source_name"),
        buyer=_json_buyer(order, shipping),
        lines=_json_lines(order, currency),
        line=index,
        line_items_total=None if line_items_total is None else Money(
            decimal_value(line_items_total, "total_line_items_price"), currency),
    )


def _json_lines(order: dict[str, Any], currency: str) -> tuple[OrderLine, ...]:
    items = order.get("line_items")
    if items is None:
        return ()
    if not isinstance(items, list):
        raise FieldInvalid("line_items", N_("Expected a list of line items."))
    return tuple(_json_line(f"line_items[{position}]", item, currency)
                 for position, item in enumerate(items))


def _json_line(path: str, item: Any, currency: str) -> OrderLine:
    if not isinstance(item, dict):
        raise FieldInvalid(path, N_("Expected a JSON object."))
    try:
        quantity = integer_value(required_text(item, "quantity"), "quantity")
        price = Money(decimal_value(required_text(item, "price"), "price"), currency)
        return OrderLine(line_key=required_text(item, "id"), sku=optional_text(item, "sku"),
                         title=optional_text(item, "name") or optional_text(item, "title"),
                         quantity=quantity, item_price=price * quantity)
    except FieldInvalid as invalid:
        # Name the item, so the seller can find which of the order's lines is wrong.
        raise FieldInvalid(f"{path}.{invalid.column}", invalid.reason, **invalid.params) from None


def _json_buyer(order: dict[str, Any], shipping: dict[str, Any]) -> BuyerPersonalData | None:
    customer = _object(order, "customer")
    customer_name = " ".join(part for part in (optional_text(customer, "first_name"),
                                               optional_text(customer, "last_name")) if part)
    address_parts = (optional_text(shipping, column) for column in (
        "address1", "address2", "city", "province", "zip"))
    return _buyer(
        name=optional_text(shipping, "name") or customer_name or None,
        email=optional_text(order, "email") or optional_text(customer, "email"),
        phone=(optional_text(shipping, "phone") or optional_text(order, "phone")
               or optional_text(customer, "phone")),
        address=", ".join(part for part in address_parts if part) or None,
    )


def _object(row: dict[str, Any], column: str) -> dict[str, Any]:
    value = row.get(column)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldInvalid(column, N_("Expected a JSON object."))
    return value


# --- CSV ------------------------------------------------------------------------------------

@dataclass(slots=True)
class _OpenOrder:
    """The order whose rows are being read: what its first row says, and its lines so far.
    ``header`` is None when the first row could not be read."""

    name: str
    header: Order | None
    lines: list[OrderLine] = field(default_factory=list)
    complete: bool = True


def _parse_csv(source: BinaryIO) -> ConnectorOutput:
    current: _OpenOrder | None = None
    finished: set[str] = set()
    for item in read_delimited(source, delimiter=",", required=_CSV_REQUIRED):
        if isinstance(item, Problem):
            yield item
            if current is not None:
                # The unreadable row may have been one of this order's lines.
                current.complete = False
            continue
        line, row = item
        try:
            name = required_text(row, "Name")
        except FieldInvalid as invalid:
            yield invalid.problem(line)
            continue
        if current is None or name != current.name:
            yield from _close(current, finished)
            current = None
            if name in finished:
                yield Problem(line, "Name", N_("Order {order} continues here after other orders; "
                                               "its rows must be together."), {"order": name})
                continue
            current, problem = _open(name, line, row)
            if problem is not None:
                yield problem
        try:
            order_line = _csv_line(row, current.header, len(current.lines) + 1)
        except FieldInvalid as invalid:
            current.complete = False
            yield invalid.problem(line)
            continue
        if order_line is not None:
            current.lines.append(order_line)
    yield from _close(current, finished)


def _open(name: str, line: int, row: dict[str, str]) -> tuple[_OpenOrder, Problem | None]:
    try:
        return _OpenOrder(name, _csv_order_header(line, row)), None
    except FieldInvalid as invalid:
        return _OpenOrder(name, None, complete=False), invalid.problem(line)


def _close(current: _OpenOrder | None, finished: set[str]) -> Iterator[Order]:
    if current is None:
        return
    finished.add(current.name)
    if current.complete and current.header is not None:
        yield replace(current.header, lines=tuple(current.lines))


def _csv_line(row: dict[str, str], header: Order | None, position: int) -> OrderLine | None:
    """The row's line item; None when the order's currency is unknown (its first row is
    bad), after the numbers are still checked so every error is reported at once."""
    quantity = integer_value(required_text(row, "Lineitem quantity"), "Lineitem quantity")
    unit_price = decimal_value(required_text(row, "Lineitem price"), "Lineitem price")
    if header is None:
        return None
    sku = optional_text(row, "Lineitem sku")
    return OrderLine(line_key=f"{sku or ''}#{position}", sku=sku,
                     title=optional_text(row, "Lineitem name"), quantity=quantity,
                     item_price=Money(unit_price, header.currency) * quantity)


def _csv_order_header(line: int, row: dict[str, str]) -> Order:
    """The order-level columns of an order's first row; its lines are added as they are read."""
    currency = _currency(row, "Currency")
    return Order(
        marketplace=MARKETPLACE,
        order_id=required_text(row, "Id"),
        purchased_at=datetime_value(required_text(row, "Created at"), "Created at",
                                    (CSV_DATETIME_FORMAT,)),
        status=order_status(required_text(row, "Financial Status"),
                            optional_text(row, "Fulfillment Status")),
        currency=currency,
        total=Money(decimal_value(required_text(row, "Total"), "Total"), currency),
        ship_country=optional_text(row, "Shipping Country"),
        sales_channel=optional_text(row, "Source"),
        buyer=_csv_buyer(row),
        lines=(),
        line=line,
        line_items_total=_csv_line_items_total(row, currency),
    )


def _csv_line_items_total(row: dict[str, str], currency: str) -> Money | None:
    """The export's Subtotal is after discounts; the discount added back is what the line items
    come to."""
    subtotal = optional_text(row, "Subtotal")
    if subtotal is None:
        return None
    discount = optional_text(row, "Discount Amount")
    return Money(decimal_value(subtotal, "Subtotal") + (
        decimal_value(discount, "Discount Amount") if discount else 0), currency)


def _csv_buyer(row: dict[str, str]) -> BuyerPersonalData | None:
    address_parts = (optional_text(row, column) for column in (
        "Shipping Street", "Shipping City", "Shipping Province", "Shipping Zip"))
    return _buyer(
        name=optional_text(row, "Shipping Name"),
        email=optional_text(row, "Email"),
        phone=optional_text(row, "Shipping Phone") or optional_text(row, "Phone"),
        address=", ".join(part for part in address_parts if part) or None,
    )


# --- shared -----------------------------------------------------------------------------------

def order_status(financial_status: str, fulfillment_status: str | None) -> str:
    return f"{financial_status}/{fulfillment_status or UNFULFILLED}"


def _buyer(*, name: str | None, email: str | None, phone: str | None,
           address: str | None) -> BuyerPersonalData | None:
    if name is None and email is None and phone is None and address is None:
        return None
    return BuyerPersonalData(name=name, email=email, phone=phone, address=address)


def _currency(row: dict[str, Any], column: str) -> str:
    code = required_text(row, column).upper()
    try:
        return validate_currency(code)
    except ValidationFailed:
        raise FieldInvalid(column, N_("Unknown currency code {currency}."), currency=code) from None

