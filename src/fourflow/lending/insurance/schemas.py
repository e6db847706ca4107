"""Insurance API shapes. Amounts travel as decimal strings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class QuoteOut(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    cover: str = Field(description="cargo or credit")
    cover_name: str
    insurer: str
    insurer_reference: str
    pricing_version: str
    currency: str
    insured_amount: Decimal
    cover_days: int
    premium_rate: Decimal
    premium_amount: Decimal
    indemnity_rate: Decimal
    inputs: dict[str, Any]
    status: str = Field(description="quoted, or chosen when the seller took it with the offer")
    created_at: datetime
    chosen_at: datetime | None


class OptionOut(BaseModel):
    cover: str
    cover_name: str
    available: bool
    unavailable_reason: str | None = Field(
        description="Why there is no quote (the insurer cannot be reached)")
    quote: QuoteOut | None


class AcceptIn(BaseModel):
    insurance: list[str] = Field(default_factory=list, max_length=4,
                                 description="The covers chosen with the offer: cargo, credit "
                                             "(none: no insurance)")


class ClaimOut(BaseModel):
    id: uuid.UUID
    policy_id: uuid.UUID
    loan_id: uuid.UUID
    seller_id: uuid.UUID
    reason: str
    insurer_reference: str
    currency: str
    loss_on: date
    loss_amount: Decimal
    approved_amount: Decimal
    status: str = Field(description="approved, declined or paid")
    status_name: str
    decision_reason: str
    paid_on: date | None
    payment_reference: str | None
    created_at: datetime


class PolicyOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    seller_id: uuid.UUID
    quote_id: uuid.UUID
    cover: str
    cover_name: str
    insurer: str
    insurer_reference: str | None
    currency: str
    insured_amount: Decimal
    premium_amount: Decimal
    indemnity_rate: Decimal
    starts_on: date
    ends_on: date
    status: str = Field(description="pending, active or lapsed")
    status_name: str
    status_reason: str | None
    premium_remitted_at: datetime | None
    bound_at: datetime | None
    created_at: datetime
