"""Application, offer and product API shapes. Amounts travel as decimal strings; limits on what the
product allows are checked by the service (localised errors naming the field), not here."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class RepaymentOut(BaseModel):
    method: str = Field(description="bullet, equal_instalments or payout_sweep")
    name: str
    period_days: int | None = Field(description="An instalment (or the sweep's minimum) every this many days")
    remittance_rate: Decimal | None = Field(description="Payout sweep: the share of each payout that repays")


class ProductOut(BaseModel):
    code: str
    name: str
    version: str
    advance_rate: Decimal
    minimum_tenor_days: int
    maximum_tenor_days: int
    default_tenor_days: int
    origination_fee_rate: Decimal
    repayment: RepaymentOut
    underlying: str = Field(description="purchase_orders, expected_payouts, pledged_stock or none")
    underlying_text: str
    use_of_funds: str = Field(description="approved_suppliers or any_business_purpose")
    use_of_funds_text: str
    currencies: list[str]


class PrefillOut(BaseModel):
    currency: str
    months: int = Field(description="The complete months the averages cover")
    average_monthly_sales: Decimal
    average_monthly_payouts: Decimal
    stock_value: Decimal
    recommended_product: str | None
    reason: str = Field(description="Why this product, in the caller's language")
    suggested_amount: Decimal | None
    suggested_tenor_days: int | None


class ApplicationIn(BaseModel):
    product: str = Field(max_length=64)
    amount: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    tenor_days: int | None = Field(None, ge=-100_000, le=100_000)
    purpose: str | None = Field(None, max_length=2000)
    payee: str | None = Field(None, max_length=200, description="Who the money goes to (use-of-funds rules)")


class ApplicationPatch(BaseModel):
    """Autosave: only the fields sent change; null empties a field."""

    product: str | None = Field(None, max_length=64)
    amount: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    tenor_days: int | None = Field(None, ge=-100_000, le=100_000)
    purpose: str | None = Field(None, max_length=2000)
    payee: str | None = Field(None, max_length=200)


class ReasonOut(BaseModel):
    code: str
    text: str


class OfferOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    seller_id: uuid.UUID
    decision_id: uuid.UUID
    products_version: str
    product: str
    amount: Decimal
    currency: str
    tenor_days: int
    annual_rate: Decimal
    annual_percentage_rate: Decimal
    origination_fee: Decimal
    disbursed_amount: Decimal = Field(description="The amount less the origination fee")
    repayment_method: str
    schedule: dict[str, Any]
    status: str = Field(description="open, accepted, declined or expired")
    expires_at: datetime
    created_at: datetime
    responded_at: datetime | None


class ApplicationOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    products_version: str
    product: str
    amount: Decimal | None
    currency: str | None
    tenor_days: int | None
    purpose: str | None
    payee: str | None
    status: str = Field(description="draft, in_review, offered or declined")
    decision_id: uuid.UUID | None
    decline_reasons: list[ReasonOut]
    offer: OfferOut | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class ReviewedApplicationOut(ApplicationOut):
    """What risk staff see besides."""

    review_reason: str | None
    reviewed_by_user_id: uuid.UUID | None
    reviewed_at: datetime | None


class ReviewApproveIn(BaseModel):
    reason: str = Field(max_length=2000)
    amount: Decimal | None = Field(None, max_digits=18, decimal_places=2,
                                   description="Lend less than asked (at most the decision's limit)")


class ReviewDeclineIn(BaseModel):
    reason: str = Field(max_length=2000)
