"""Canonical trade data: the four flows of every seller, as stored.

Rows from files are keyed by their source (``source_key`` or the vendor's natural id) per
seller, so re-ingesting a file — or an overlapping re-download — adds nothing twice; a row whose
content changed (a corrected re-download) replaces the stored one and now points at the newer
batch (its columns are compared). Every ingested row names its batch and line.
Trade tables refer to each other by natural keys (order id, tracking number), not foreign keys,
because the flows arrive in any order and from different sources.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, Timestamps, UUIDPrimaryKey


class FxReferenceRate(UUIDPrimaryKey, Timestamps, Base):
    """Units of ``quote_currency`` per one unit of ``base_currency`` on ``rate_date``."""

    __tablename__ = "fx_reference_rates"
    __table_args__ = (UniqueConstraint("source", "base_currency", "quote_currency", "rate_date"),)

    source: Mapped[str] = mapped_column(String(16))  # e.g. ECB
    base_currency: Mapped[str] = mapped_column(String(3))
    quote_currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(Numeric(asdecimal=True))


class IngestBatch(UUIDPrimaryKey, Timestamps, Base):
    """One accepted file (or push) for one seller: what came in and what it changed."""

    __tablename__ = "trade_ingest_batches"
    # The target of every ingested row's (batch, seller) reference.
    __table_args__ = (UniqueConstraint("id", "seller_organisation_id"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    format: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(16))
    size_bytes: Mapped[int]
    rows: Mapped[int]
    inserted: Mapped[int]
    updated: Mapped[int]
    duplicates: Mapped[int]
    uploaded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))  # web, api, cli, push, demo


class _Ingested:
    """Columns every ingested trade row has. The row refers to its batch by (batch, seller) in one
    foreign key (``ingested_table_args``): the batch's own reference to the organisation covers
    the seller, the database guarantees a row's seller is its batch's seller, and a bulk load pays
    for one reference check per row rather than two."""

    seller_organisation_id: Mapped[uuid.UUID]
    batch_id: Mapped[uuid.UUID] = mapped_column(index=True)
    source_line: Mapped[int]


def ingested_table_args(*constraints: Any) -> tuple[Any, ...]:
    return (*constraints, ForeignKeyConstraint(
        ["batch_id", "seller_organisation_id"],
        ["trade_ingest_batches.id", "trade_ingest_batches.seller_organisation_id"]))


class Store(UUIDPrimaryKey, Timestamps, Base):
    """A seller's shop on one marketplace (created when its first data arrives)."""

    __tablename__ = "trade_stores"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "marketplace"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    marketplace: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    first_seen_on: Mapped[date | None]


class Settlement(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_settlements"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "settlement_id"))

    marketplace: Mapped[str] = mapped_column(String(32))
    settlement_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    deposit_date: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(String(32))


class SettlementLine(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_settlement_lines"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "source_key"),
        Index("ix_trade_settlement_lines_seller_posted", "seller_organisation_id", "posted_at"),
        # A settlement's lines may name different marketplaces (one EU settlement pays several).
        Index("ix_trade_settlement_lines_seller_settlement", "seller_organisation_id", "settlement_id"),
        # Whether an order has been paid (lending's daily advance).
        Index("ix_trade_settlement_lines_seller_order", "seller_organisation_id", "order_id"),
    )

    marketplace: Mapped[str] = mapped_column(String(32))
    settlement_id: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    transaction_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    posted_at: Mapped[datetime | None]
    order_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int | None]


class Order(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_orders"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "order_id"),
        Index("ix_trade_orders_seller_purchased", "seller_organisation_id", "purchased_at"),
        # Settlement lines, tracking events and returns name an order without its marketplace.
        Index("ix_trade_orders_seller_order", "seller_organisation_id", "order_id"),
    )

    marketplace: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(String(64))
    purchased_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    line_items_total: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    ship_country: Mapped[str | None] = mapped_column(String(2))
    sales_channel: Mapped[str | None] = mapped_column(String(64))
    # Personal data (name, e-mail, phone, address), AES-GCM encrypted; see tradedata.personal_data.
    buyer_personal_data: Mapped[bytes | None] = mapped_column(LargeBinary)


class OrderLine(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_order_lines"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "order_id", "line_key"))

    marketplace: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(String(64))
    line_key: Mapped[str] = mapped_column(String(100))
    sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    item_price: Mapped[Decimal] = mapped_column(Numeric(20, 4))


class TrackingEvent(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_tracking_events"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "carrier", "tracking_number", "event_at",
                         "carrier_status"),
        Index("ix_trade_tracking_events_seller_tracking", "seller_organisation_id", "tracking_number"),
        # An order's first carrier scan (lending's daily advance).
        Index("ix_trade_tracking_events_seller_order", "seller_organisation_id", "order_id", "event_at"),
    )

    carrier: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    carrier_status: Mapped[str] = mapped_column(String(64))
    event_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(String(64))
    warehouse: Mapped[str | None] = mapped_column(String(64))


class StockSnapshot(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_stock_snapshots"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "warehouse", "sku", "snapshot_date"))

    warehouse: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(100))
    snapshot_date: Mapped[date]
    on_hand: Mapped[int]
    pledged: Mapped[int]
    locked: Mapped[int]
    unit_cost_currency: Mapped[str | None] = mapped_column(String(3))
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))


class StockMovement(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_stock_movements"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "warehouse", "movement_id"))

    warehouse: Mapped[str] = mapped_column(String(64))
    movement_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    moved_at: Mapped[datetime]
    reference: Mapped[str | None] = mapped_column(String(100))


class CustomsDeclaration(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_customs_declarations"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "declaration_id"))

    declaration_id: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))
    hs_code: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str | None] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    declared_value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    origin_country: Mapped[str] = mapped_column(String(2))
    destination_country: Mapped[str] = mapped_column(String(2))
    port_of_loading: Mapped[str | None] = mapped_column(String(64))
    port_of_discharge: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(100))


class ProductReturn(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_returns"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "return_id"))

    marketplace: Mapped[str] = mapped_column(String(32))
    return_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int]
    returned_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(100))


class CustomerReview(UUIDPrimaryKey, _Ingested, Base):
    __tablename__ = "trade_reviews"
    __table_args__ = ingested_table_args(
        UniqueConstraint("seller_organisation_id", "marketplace", "review_id"))

    marketplace: Mapped[str] = mapped_column(String(32))
    review_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    rating: Mapped[int]
    reviewed_at: Mapped[datetime]


class RegistryRecord(UUIDPrimaryKey, Timestamps, Base):
    """A company as a business registry reports it (the registry port's answer)."""

    __tablename__ = "trade_registry_records"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "registry_name", "company_number"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    registry_name: Mapped[str] = mapped_column(String(32))
    company_number: Mapped[str] = mapped_column(String(64))
    legal_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))  # active, dormant, dissolved, liquidation
    country: Mapped[str] = mapped_column(String(2))
    registered_address: Mapped[str] = mapped_column(Text)
    incorporated_on: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    # [{"name", "role", "nationality", "appointed_on"}]: directors and shareholders.
    officers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # [{"period", "revenue", "tax_paid", "currency", "filed_on"}]: tax filings.
    tax_filings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    checked_at: Mapped[datetime]


class SellerBankAccount(UUIDPrimaryKey, Timestamps, Base):
    """Where a seller's marketplace payouts land (and where money to them may go)."""

    __tablename__ = "trade_seller_bank_accounts"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "account_number"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    account_number: Mapped[str] = mapped_column(String(64))  # IBAN or local number
    holder_name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    verified: Mapped[bool]
    # When the seller gave the platform this account; see profiles.BankAccountFacts.
    registered_at: Mapped[datetime] = mapped_column(server_default=func.now())


class QualityCheck(UUIDPrimaryKey, Base):
    """One data-quality measurement (F8): for a batch, or for a seller's source overall."""

    __tablename__ = "trade_quality_checks"
    __table_args__ = (
        Index("ix_trade_quality_checks_seller_checked", "seller_organisation_id", "checked_at"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("trade_ingest_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))      # a format, e.g. amazon-settlement
    dimension: Mapped[str] = mapped_column(String(16))   # completeness, accuracy, consistency, timeliness
    check_name: Mapped[str] = mapped_column(String(48))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 4))  # 0..1
    threshold: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    passed: Mapped[bool]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
    checked_at: Mapped[datetime]


class DerivedFigure(UUIDPrimaryKey, Base):
    """A figure computed from trade rows by a named, versioned transformation (lineage, F8)."""

    __tablename__ = "trade_figures"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "name", "period_start", "currency"),)

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(48))          # e.g. monthly_net_sales
    period_start: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))       # "" for ratios
    value: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    transformation: Mapped[str] = mapped_column(String(64))
    transformation_version: Mapped[int]
    source_rows: Mapped[int]
    computed_at: Mapped[datetime]


class FigureSource(Base):
    """Which stored rows (by table and id) a figure was computed from."""

    __tablename__ = "trade_figure_sources"

    figure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trade_figures.id", ondelete="CASCADE"),
                                                 primary_key=True)
    source_table: Mapped[str] = mapped_column(String(48), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trade_ingest_batches.id"), index=True)


class SellerDevice(UUIDPrimaryKey, Base):
    """A device and network address a seller's people used (sign-in, application): shared
    devices across sellers are one of the signals a fraud ring leaves (F12, F16)."""

    __tablename__ = "trade_seller_devices"
    __table_args__ = (UniqueConstraint("seller_organisation_id", "device_fingerprint", "ip_address"),
                      Index("ix_trade_seller_devices_fingerprint", "device_fingerprint"))

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    device_fingerprint: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
