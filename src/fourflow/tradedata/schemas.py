"""Trade-data API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class IngestSummaryOut(BaseModel):
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
