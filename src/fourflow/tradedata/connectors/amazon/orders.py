"""Amazon's "All Orders" report (SP-API report type
``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL``, and ``..._BY_LAST_UPDATE_GENERAL`` with
the same columns), tab-separated, one row per order item.

Columns, as Amazon's "Order Tracking reports attributes" page lists them: ``DOCUMENTED_COLUMNS``.
Files downloaded from Seller Central in the MWS years also carry ``url`` after
``order-channel`` and no ``cpf``; both are accepted, since only ``REQUIRED_COLUMNS`` are read by
name. Dates are ISO 8601 with offset ("2017-06-17T08:04:21+00:00"); amounts are for the whole
line (quantity × unit price), read with a decimal point or, as EU spreadsheets re-save them, a
decimal comma.

Mapping:
- An order's items are listed together, so consecutive rows with one amazon-order-id make one
  ``Order``. An id that comes back after other orders is a Problem on that row (the order has
  already been handed on, and holding every order until the end would not stream). An order
  with a refused row is left out whole (its Problem says why) rather than stored short; so is
  the order being read when a row cannot be read at all (too few columns, not decodable), since
  that row may be one of its items.
- ``total`` = Σ item-price + Σ shipping-price − Σ item-promotion-discount −
  Σ ship-promotion-discount. Tax and gift wrap are left out (EU prices include VAT; US tax is
  collected for the state). Amazon's reports write discounts with either sign, and a discount
  only ever lowers the total, so its absolute value is subtracted. While an order is Pending
  Amazon leaves its prices empty: that item's price is zero and the order's total None.
- The report names no buyer. City, state and postal code go to ``BuyerPersonalData.address``
  ("city, state, postal code", empty parts left out) so they are stored encrypted; the country
  is ``Order.ship_country``.
- ``marketplace`` is the sales channel as a domain ("Amazon.de" → "amazon.de"). "Non-Amazon"
  (multi-channel fulfilment) orders take the marketplace of their currency, keeping
  "Non-Amazon" as ``sales_channel``. A blank currency (no prices yet) is the channel's.
- The report has no order-item id, so ``OrderLine.line_key`` is "<sku>#<n>", n counting that
  SKU's rows within the order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO

from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.tradedata.connectors.amazon.settlement import (
    MARKETPLACE_CURRENCIES,
    decimal_of,
    default_marketplace,
    marketplace_from_name,
)
from fourflow.tradedata.connectors.base import (
    ConnectorOutput,
    FieldInvalid,
    datetime_value,
    integer_value,
    optional_text,
    read_delimited,
    required_text,
)
from fourflow.tradedata.records import BuyerPersonalData, Order, OrderLine, Problem

DOCUMENTED_COLUMNS = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name",
    "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
    "ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code", "ship-country",
    "promotion-ids", "cpf", "is-business-order", "purchase-order-number", "price-designation",
)
REQUIRED_COLUMNS = (
    "amazon-order-id", "purchase-date", "order-status", "sales-channel", "product-name", "sku",
    "quantity", "currency", "item-price", "shipping-price", "item-promotion-discount",
    "ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code", "ship-country",
)
_DISCOUNT_COLUMNS = ("item-promotion-discount", "ship-promotion-discount")


def parse_amazon_orders(source: BinaryIO) -> ConnectorOutput:
    """One Order per run of rows sharing an amazon-order-id."""
    run_id: str | None = None         # the order id of the run of rows being read
    builder: _OrderBuilder | None = None  # None when the run's first row was refused
    started: dict[str, int] = {}      # order id -> line its run started, to catch a split order
    for item in read_delimited(source, delimiter="\t", required=REQUIRED_COLUMNS):
        if isinstance(item, Problem):
            if builder is not None:
                # A row that cannot be read at all may be one of this order's items.
                builder.complete = False
            yield item
            continue
        line, row = item
        order_id = optional_text(row, "amazon-order-id")
        if order_id is not None and order_id == run_id:
            if builder is not None:
                yield from _add_item(builder, line, row)
            continue
        if builder is not None:
            yield from builder.finish()
        run_id, builder = order_id, None
        if order_id is not None and order_id in started:
            yield Problem(line, "amazon-order-id",
                          N_("Order {order_id} already appeared at line {first_line}; an order's "
                             "items must be listed together."),
                          {"order_id": order_id, "first_line": str(started[order_id])})
            continue
        if order_id is not None:
            started[order_id] = line
        try:
            builder = _OrderBuilder.start(line, row)
        except FieldInvalid as invalid:
            yield invalid.problem(line)
            continue
        yield from _add_item(builder, line, row)
    if builder is not None:
        yield from builder.finish()


def _add_item(builder: _OrderBuilder, line: int, row: dict[str, str]) -> Iterator[Problem]:
    try:
        builder.add(row)
    except FieldInvalid as invalid:
        builder.complete = False
        yield invalid.problem(line)


@dataclass(slots=True)
class _OrderBuilder:
    """An order being assembled from its rows; order-level fields come from its first row."""

    order_id: str
    line: int
    marketplace: str
    purchased_at: datetime
    status: str
    currency: str
    ship_country: str | None
    sales_channel: str | None
    buyer: BuyerPersonalData | None
    lines: list[OrderLine] = field(default_factory=list)
    total: Decimal | None = Decimal(0)
    sku_rows: Counter[str] = field(default_factory=Counter)
    complete: bool = True

    @classmethod
    def start(cls, line: int, row: dict[str, str]) -> _OrderBuilder:
        sales_channel = optional_text(row, "sales-channel")
        currency = _currency(row, sales_channel)
        return cls(
            order_id=required_text(row, "amazon-order-id"),
            line=line,
            marketplace=_marketplace(sales_channel, currency),
            purchased_at=datetime_value(required_text(row, "purchase-date"), "purchase-date"),
            status=required_text(row, "order-status"),
            currency=currency,
            ship_country=optional_text(row, "ship-country"),
            sales_channel=sales_channel,
            buyer=_buyer(row),
        )

    def finish(self) -> Iterator[Order]:
        """The order, unless one of its rows was refused: an order missing an item would
        understate its total, so it waits until the file is corrected."""
        if self.complete and self.lines:
            yield self.order()

    def add(self, row: dict[str, str]) -> None:
        """Validate the whole row before changing anything, so a bad row leaves no trace."""
        currency = optional_text(row, "currency")
        if currency is not None and currency != self.currency:
            raise FieldInvalid("currency", N_("This item is in {found}, but the order's first item "
                                              "is in {expected}."),
                               found=currency, expected=self.currency)
        quantity = integer_value(required_text(row, "quantity"), "quantity")
        item_price = _optional_amount(row, "item-price")
        shipping = _optional_amount(row, "shipping-price") or Decimal(0)
        discounts = sum((abs(_optional_amount(row, column) or Decimal(0))
                         for column in _DISCOUNT_COLUMNS), Decimal(0))
        line_price = Money(item_price if item_price is not None else Decimal(0), self.currency)
        sku = optional_text(row, "sku")
        reference = sku or optional_text(row, "asin") or ""
        self.sku_rows[reference] += 1
        self.lines.append(OrderLine(
            line_key=f"{reference}#{self.sku_rows[reference]}",
            sku=sku,
            title=optional_text(row, "product-name"),
            quantity=quantity,
            item_price=line_price,
        ))
        if item_price is None or self.total is None:
            self.total = None
        else:
            self.total += item_price + shipping - discounts

    def order(self) -> Order:
        return Order(
            marketplace=self.marketplace,
            order_id=self.order_id,
            purchased_at=self.purchased_at,
            status=self.status,
            currency=self.currency,
            total=None if self.total is None else Money(self.total, self.currency),
            ship_country=self.ship_country,
            sales_channel=self.sales_channel,
            buyer=self.buyer,
            lines=tuple(self.lines),
            line=self.line,
        )


def _currency(row: dict[str, str], sales_channel: str | None) -> str:
    currency = optional_text(row, "currency")
    if currency is not None:
        return currency
    from_channel = MARKETPLACE_CURRENCIES.get(marketplace_from_name(sales_channel or ""))
    if from_channel is None:
        raise FieldInvalid("currency", N_("The currency is missing and cannot be told from the "
                                          "sales channel {channel}."), channel=sales_channel or "")
    return from_channel


def _marketplace(sales_channel: str | None, currency: str) -> str:
    domain = marketplace_from_name(sales_channel or "")
    return domain if domain.startswith("amazon.") else default_marketplace(currency)


def _optional_amount(row: dict[str, str], column: str) -> Decimal | None:
    text = optional_text(row, column)
    return None if text is None else decimal_of(text, column)


def _buyer(row: dict[str, str]) -> BuyerPersonalData | None:
    parts = [optional_text(row, column) for column in ("ship-city", "ship-state", "ship-postal-code")]
    address = ", ".join(part for part in parts if part)
    return BuyerPersonalData(address=address) if address else None
