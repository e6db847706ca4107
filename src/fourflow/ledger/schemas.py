"""Pydantic shapes of the ledger API. Amounts travel as decimal strings, never floats."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from fourflow.core.money import AmountText
from fourflow.ledger.chart import Side


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PostingIn(Strict):
    account_id: uuid.UUID
    side: Side
    amount: AmountText
    currency: StrictStr = Field(min_length=3, max_length=3)


class TransferIn(Strict):
    idempotency_key: StrictStr = Field(min_length=8, max_length=200)
    postings: list[PostingIn] = Field(min_length=2, max_length=100)
    description: StrictStr = Field(default="", max_length=500)
    pending: bool = False


class ResolveHoldIn(Strict):
    idempotency_key: StrictStr = Field(min_length=8, max_length=200)
    amount: AmountText | None = None


class ReverseIn(Strict):
    idempotency_key: StrictStr = Field(min_length=8, max_length=200)
    description: StrictStr = Field(default="", max_length=500)


class PostingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID
    currency: str
    amount: Decimal
    phase: str
    account_sequence: int
    posted_balance_after: Decimal
    created_at: datetime


class EntryOut(BaseModel):
    id: uuid.UUID
    idempotency_key: str
    kind: str
    description: str
    pending_entry_id: uuid.UUID | None
    reverses_entry_id: uuid.UUID | None
    effective_at: datetime
    created_at: datetime
    postings: list[PostingOut]


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    subject: str
    currency: str
    normal_side: str
    floor: Decimal | None
    name: str


class BalanceOut(BaseModel):
    account_id: uuid.UUID
    currency: str
    as_of: datetime | None
    posted: Decimal
    pending_debits: Decimal
    pending_credits: Decimal
    available: Decimal


class PayoutIn(Strict):
    idempotency_key: StrictStr = Field(min_length=8, max_length=200)
    source_account_id: uuid.UUID
    amount: AmountText
    currency: StrictStr = Field(min_length=3, max_length=3)
    beneficiary_name: StrictStr = Field(min_length=1, max_length=200)
    beneficiary_account: StrictStr = Field(min_length=4, max_length=64)
    beneficiary_country: StrictStr = Field(min_length=2, max_length=2)
    reference: StrictStr = Field(min_length=1, max_length=140)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    idempotency_key: str
    organisation_id: uuid.UUID
    source_account_id: uuid.UUID
    amount: Decimal
    currency: str
    beneficiary_name: str
    beneficiary_country: str
    reference: str
    state: str
    channel: str | None
    channel_reference: str | None
    fee: Decimal | None
    attempts: list[dict[str, Any]]
    created_at: datetime


class ImportResultOut(BaseModel):
    statements: int
    lines: int
    inserted: int
    duplicates: int
    matched: int
    breaks: int


class StatementLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    statement_id: str
    booking_date: date
    amount: Decimal
    currency: str
    reference: str | None
    description: str
    counterparty_name: str | None


class OpenPostingOut(BaseModel):
    posting_id: int
    entry_id: uuid.UUID
    amount: Decimal
    effective_at: datetime
    description: str


class BreaksOut(BaseModel):
    lines: list[StatementLineOut]
    postings: list[OpenPostingOut]


class ManualMatchIn(Strict):
    statement_line_id: uuid.UUID
    posting_id: int = Field(ge=1)


class ConversionIn(Strict):
    idempotency_key: StrictStr = Field(min_length=8, max_length=200)
    source_account_id: uuid.UUID
    target_account_id: uuid.UUID
    amount: AmountText


class ConversionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entry_id: uuid.UUID
    source_amount: Decimal
    source_currency: str
    target_amount: Decimal
    target_currency: str
    mid_rate: Decimal
    customer_rate: Decimal
    spread_amount: Decimal
    rate_date: date


class ForwardQuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    base: str
    quote: str
    spot: Decimal
    forward: Decimal
    days: int
    base_interest_rate: Decimal
    quote_interest_rate: Decimal
    rate_date: date
