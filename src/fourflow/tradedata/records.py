"""What connectors produce: canonical trade records, independent of the file they came from.

A connector turns one vendor format into these; the ingest service stores them. Every record
carries ``line``, the 1-based line (or JSON record index) it came from, so a figure can be
explained back to its source row and a problem reported where the seller can find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from fourflow.core.money import Money


class SettlementLineKind(StrEnum):
    """Every settlement/payout line is one of these, whatever the marketplace calls it."""

    SALE = "sale"            # item price paid by the buyer (principal)
    SHIPPING = "shipping"    # shipping charged to the buyer
    TAX = "tax"              # tax collected (and withheld) on the sale
    PROMOTION = "promotion"  # discounts funded by the seller
    FEE = "fee"              # marketplace/payment/fulfilment fees (negative)
    REFUND = "refund"        # money returned to buyers (negative)
    RESERVE = "reserve"      # held back or released by the marketplace
    ADJUSTMENT = "adjustment"  # reimbursements, chargebacks, corrections
    TRANSFER = "transfer"    # the payout itself / transfers to or from the bank
    OTHER = "other"


class ShipmentStatus(StrEnum):
    """One status set for every carrier (carriers' own codes map onto it)."""

    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    CUSTOMS_HOLD = "customs_hold"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    ARRIVED_AT_WAREHOUSE = "arrived_at_warehouse"


class StockMovementKind(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    PLEDGED = "pledged"
    LOCKED = "locked"
    RELEASED = "released"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class BuyerPersonalData:
    """Personal data of a buyer: stored encrypted, shown masked to roles that don't need it."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """One payout by a marketplace or PSP: an Amazon settlement, a Shopify payout."""

    marketplace: str           # e.g. "amazon.de", "shopify"
    settlement_id: str
    total: Money               # the amount deposited (negative when the seller owes)
    period_start: datetime | None
    period_end: datetime | None
    deposit_date: datetime | None
    status: str | None         # e.g. Shopify's "paid", "in_transit"; None when unknown
    line: int


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One money movement within a settlement."""

    marketplace: str
    settlement_id: str
    source_key: str            # unique per seller and marketplace; re-ingestion skips it
    kind: SettlementLineKind
    transaction_type: str      # the vendor's own type (e.g. "Order", "Refund", "charge")
    description: str           # the vendor's own detail (e.g. "ItemPrice/Principal")
    amount: Money
    posted_at: datetime | None
    order_id: str | None
    sku: str | None
    quantity: int | None
    line: int


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_key: str              # the vendor's order-item id, else "<sku>#<n>"
    sku: str | None
    title: str | None
    quantity: int
    item_price: Money          # for the whole line (quantity × unit price)


@dataclass(frozen=True, slots=True)
class Order:
    marketplace: str
    order_id: str
    purchased_at: datetime
    status: str
    currency: str
    total: Money | None        # what the buyer paid, when the format says
    ship_country: str | None
    sales_channel: str | None
    buyer: BuyerPersonalData | None
    lines: tuple[OrderLine, ...]
    line: int
    # What the vendor says the lines come to (before shipping, tax and discounts), when it says:
    # checked against the lines themselves (accuracy, F8).
    line_items_total: Money | None = None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    carrier_status: str        # the carrier's own code or tag, kept for explanation
    event_at: datetime
    location: str | None
    message: str | None
    order_id: str | None
    warehouse: str | None      # set when the event is an arrival at a known warehouse
    line: int


@dataclass(frozen=True, slots=True)
class StockSnapshot:
    warehouse: str
    sku: str
    snapshot_date: date
    on_hand: int
    pledged: int
    locked: int
    unit_cost: Money | None
    line: int


@dataclass(frozen=True, slots=True)
class StockMovement:
    warehouse: str
    movement_id: str
    sku: str
    kind: StockMovementKind
    quantity: int
    moved_at: datetime
    reference: str | None
    line: int


@dataclass(frozen=True, slots=True)
class CustomsDeclaration:
    declaration_id: str
    declared_at: datetime
    status: str
    hs_code: str
    description: str | None
    quantity: Decimal
    unit: str | None
    declared_value: Money
    origin_country: str
    destination_country: str
    port_of_loading: str | None
    port_of_discharge: str | None
    reference: str | None      # order or shipment the goods belong to
    line: int


@dataclass(frozen=True, slots=True)
class ProductReturn:
    marketplace: str
    return_id: str
    order_id: str
    sku: str | None
    quantity: int
    returned_at: datetime
    reason: str | None
    line: int


@dataclass(frozen=True, slots=True)
class CustomerReview:
    marketplace: str
    review_id: str
    sku: str | None
    rating: int                # 1..5 stars
    reviewed_at: datetime
    line: int


@dataclass(frozen=True, slots=True)
class FxRate:
    rate_date: date
    base_currency: str
    quote_currency: str
    rate: Decimal              # units of quote per one base
    line: int


TradeRecord = (Settlement | SettlementLine | Order | TrackingEvent | StockSnapshot | StockMovement
               | CustomsDeclaration | ProductReturn | CustomerReview | FxRate)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one row cannot be taken. ``reason`` is an N_-marked English message (the translation
    key) formatted with ``params``; the ingest service localises it for the uploader."""

    line: int
    column: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)
