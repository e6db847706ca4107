"""What Fourflow asks of an insurer covering its financing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class InsurerUnreachable(Exception):
    """The insurer did not answer, or answered with a failure: the effect is unknown."""


class Cover(StrEnum):
    CARGO = "cargo"  # loss of or damage to the goods financed, in transit or in the warehouse
    CREDIT = "credit"  # the seller's default on the loan


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    cover: Cover
    product: str
    currency: str
    insured_amount: Decimal
    cover_days: int


@dataclass(frozen=True, slots=True)
class InsurerQuote:
    reference: str
    pricing_version: str
    premium_rate: Decimal  # as the insurer states it (annual for credit, flat for cargo)
    premium_amount: Decimal
    indemnity_rate: Decimal  # the share of a loss the insurer pays
    basis: str  # how the premium was computed, in the insurer's words


@dataclass(frozen=True, slots=True)
class BindRequest:
    """Bind the quoted cover; the same key binds once (a retry gets the same policy)."""

    idempotency_key: str
    quote_reference: str
    cover: Cover
    currency: str
    insured_amount: Decimal
    premium_amount: Decimal
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class BoundPolicy:
    reference: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """A claim under a bound policy; the same key is one claim."""

    idempotency_key: str
    policy_reference: str
    cover: Cover
    currency: str
    loss_amount: Decimal
    loss_on: date
    # The policy's schedule, restated on the claim form as insurers ask.
    insured_amount: Decimal
    cover_starts_on: date
    cover_ends_on: date


class ClaimState(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    PAID = "paid"


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    reference: str
    state: ClaimState
    approved_amount: Decimal
    reason: str  # the insurer's reason code (declines) or "covered"
    paid_on: date | None = None
    payment_reference: str | None = None


class Insurer(Protocol):
    name: str

    def quote(self, request: QuoteRequest) -> InsurerQuote: ...

    def bind(self, request: BindRequest) -> BoundPolicy: ...

    def file_claim(self, request: ClaimRequest) -> ClaimStatus: ...

    def claim_status(self, reference: str) -> ClaimStatus: ...
