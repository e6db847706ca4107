"""Trade-data API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from fourflow.core.pagination import PageOut


class IngestSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    format: str
    rows: int
    inserted: int
    updated: int
    duplicates: int
    rejected: int
    batch_id: uuid.UUID
    tables: dict[str, int]


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_organisation_id: uuid.UUID
    format: str
    filename: str | None
    content_sha256: str
    size_bytes: int
    rows: int
    inserted: int
    updated: int
    duplicates: int
    channel: str
    created_at: datetime


class FormatOut(BaseModel):
    format: str
    label: str
    extensions: str


class MonthFiguresOut(BaseModel):
    """One calendar month; money in the overview's currency (refunds and fees as positive)."""

    model_config = ConfigDict(from_attributes=True)

    month: date
    sales: Decimal
    refunds: Decimal
    fees: Decimal
    payouts: Decimal
    orders: int
    shipments_decided: int
    shipments_on_time: int
    on_time_rate: Decimal | None
    refund_rate: Decimal | None
    customs_holds: int


class WarehouseStockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    warehouse: str
    skus: int
    on_hand: int
    pledged: int
    locked: int
    value: Decimal
    units_without_cost: int
    as_of: date


class OverviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seller_organisation_id: uuid.UUID
    currency: str
    on_time_days: int
    months: list[MonthFiguresOut]
    stock: list[WarehouseStockOut]
    unconverted_currencies: list[str]


class QualityCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_organisation_id: uuid.UUID
    batch_id: uuid.UUID | None
    source: str
    dimension: str
    check_name: str
    score: Decimal
    threshold: Decimal
    passed: bool
    details: dict[str, Any]
    checked_at: datetime


class BatchDetailOut(BatchOut):
    quality: list[QualityCheckOut]


class FigureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_organisation_id: uuid.UUID
    name: str
    period_start: date
    currency: str
    value: Decimal
    transformation: str
    transformation_version: int
    source_rows: int
    computed_at: datetime


class LineageBatchOut(BaseModel):
    batch: BatchOut
    rows_used: int


class SourceLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    batch_id: uuid.UUID
    source_line: int
    marketplace: str
    settlement_id: str
    kind: str
    description: str
    currency: str
    amount: Decimal
    posted_at: datetime | None
    order_id: str | None


class LineageOut(BaseModel):
    figure: FigureOut
    transformation: str
    rule: str
    batches: list[LineageBatchOut]
    rows: PageOut[SourceLineOut]
