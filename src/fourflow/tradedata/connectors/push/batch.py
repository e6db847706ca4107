"""The push API's JSON batch: how ERP, WMS and CRM systems send orders, stock, shipments, returns
and reviews. The pydantic models below ARE the published schema (served as JSON Schema at
GET /api/v1/tradedata/push/schema); money travels as decimal strings, times as ISO 8601."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, BinaryIO

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money, validate_currency
from fourflow.tradedata.connectors.base import ConnectorOutput, load_json
from fourflow.tradedata.records import (
    BuyerPersonalData,
    CustomerReview,
    Order,
    OrderLine,
    Problem,
    ProductReturn,
    ShipmentStatus,
    StockSnapshot,
    TrackingEvent,
    TradeRecord,
)


def _known_currency(code: str) -> str:
    try:
        return validate_currency(code)
    except ValidationFailed:
        raise ValueError(f"{code} is not an ISO 4217 currency code") from None


Amount = Annotated[str, Field(pattern=r"^-?\d{1,15}(\.\d{1,6})?$", examples=["125.50"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"]), AfterValidator(_known_currency)]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PushBuyer(_Strict):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class PushOrderLine(_Strict):
    line_key: Identifier
    sku: str | None = Field(default=None, max_length=100)
    title: str | None = None
    quantity: int = Field(gt=0)
    item_price: Amount = Field(description="For the whole line (quantity × unit price).")


class PushOrder(_Strict):
    marketplace: Identifier = Field(examples=["amazon.de", "shopify", "b2b"])
    order_id: Identifier
    purchased_at: datetime
    status: str = Field(max_length=32)
    currency: Currency
    total: Amount | None = None
    ship_country: Country | None = None
    sales_channel: str | None = Field(default=None, max_length=64)
    buyer: PushBuyer | None = Field(default=None, description="Personal data: stored encrypted.")
    lines: list[PushOrderLine] = Field(min_length=1)


class PushStock(_Strict):
    warehouse: Identifier
    sku: str = Field(min_length=1, max_length=100)
    snapshot_date: date
    on_hand: int = Field(ge=0)
    pledged: int = Field(default=0, ge=0)
    locked: int = Field(default=0, ge=0)
    unit_cost: Amount | None = None
    unit_cost_currency: Currency | None = None

    @model_validator(mode="after")
    def _cost_has_currency(self) -> PushStock:
        if self.unit_cost is not None and self.unit_cost_currency is None:
            raise ValueError("unit_cost needs unit_cost_currency")
        return self


class PushShipmentEvent(_Strict):
    carrier: Identifier
    tracking_number: Identifier
    status: ShipmentStatus
    event_at: datetime
    location: str | None = Field(default=None, max_length=200)
    message: str | None = None
    order_id: str | None = Field(default=None, max_length=64)
    warehouse: str | None = Field(default=None, max_length=64)


class PushReturn(_Strict):
    marketplace: Identifier
    return_id: Identifier
    order_id: Identifier
    sku: str | None = Field(default=None, max_length=100)
    quantity: int = Field(gt=0)
    returned_at: datetime
    reason: str | None = Field(default=None, max_length=100)


class PushReview(_Strict):
    marketplace: Identifier
    review_id: Identifier
    sku: str | None = Field(default=None, max_length=100)
    rating: int = Field(ge=1, le=5)
    reviewed_at: datetime


class PushBatch(_Strict):
    """One push: any mix of the five lists (each may be empty)."""

    source: str = Field(min_length=1, max_length=64, description="The sending system, e.g. odoo-erp.")
    orders: list[PushOrder] = []
    stock: list[PushStock] = []
    shipments: list[PushShipmentEvent] = []
    returns: list[PushReturn] = []
    reviews: list[PushReview] = []


def push_schema() -> dict[str, Any]:
    return PushBatch.model_json_schema()


def parse_push_batch(source: BinaryIO) -> ConnectorOutput:
    document = load_json(source)
    if isinstance(document, Problem):
        yield document
        return
    try:
        batch = PushBatch.model_validate(document)
    except ValidationError as invalid:
        for error in invalid.errors():
            yield _problem(error)
        return
    yield from _records(batch)


def _problem(error: Any) -> Problem:
    """Line = the item's 1-based position in its list; column = the path to the bad field."""
    location = list(error["loc"])
    line = location[1] + 1 if len(location) > 1 and isinstance(location[1], int) else 1
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".")
    return Problem(line, path or "file", N_("Not accepted: {detail}"), {"detail": error["msg"]})


def _money(amount: str, currency: str) -> Money:
    return Money(amount, currency)


def _records(batch: PushBatch) -> Iterator[TradeRecord]:
    for index, order in enumerate(batch.orders, start=1):
        buyer = BuyerPersonalData(**order.buyer.model_dump()) if order.buyer else None
        yield Order(order.marketplace, order.order_id, order.purchased_at, order.status, order.currency,
                    None if order.total is None else _money(order.total, order.currency), order.ship_country,
                    order.sales_channel, buyer,
                    tuple(OrderLine(line.line_key, line.sku, line.title, line.quantity,
                                    _money(line.item_price, order.currency)) for line in order.lines), index)
    for index, stock in enumerate(batch.stock, start=1):
        cost = None
        if stock.unit_cost is not None:
            assert stock.unit_cost_currency is not None  # checked by the model
            cost = _money(stock.unit_cost, stock.unit_cost_currency)
        yield StockSnapshot(stock.warehouse, stock.sku, stock.snapshot_date, stock.on_hand, stock.pledged,
                            stock.locked, cost, index)
    for index, event in enumerate(batch.shipments, start=1):
        yield TrackingEvent(event.carrier, event.tracking_number, event.status, event.status.value,
                            event.event_at, event.location, event.message, event.order_id, event.warehouse,
                            index)
    for index, returned in enumerate(batch.returns, start=1):
        yield ProductReturn(returned.marketplace, returned.return_id, returned.order_id, returned.sku,
                            returned.quantity, returned.returned_at, returned.reason, index)
    for index, review in enumerate(batch.reviews, start=1):
        yield CustomerReview(review.marketplace, review.review_id, review.sku, review.rating,
                             review.reviewed_at, index)
