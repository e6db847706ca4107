"""Credit line API shapes. Amounts travel as decimal strings with the line's minor units."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class DrawIn(BaseModel):
    amount: Decimal = Field(description="What to draw, in the line's currency (at most what is available)")


class DrawOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    amount: Decimal
    currency: str
    origination_fee: Decimal = Field(
        description="The product's rate × the draw, deducted from what it pays out")
    paid_out: Decimal = Field(description="What reaches the wallet: the amount less the fee")
    principal_outstanding: Decimal
    loan_status: str = Field(description="awaiting_disbursement, disbursing, active, closed or written_off")
    maturity_on: date
    created_at: datetime


class CreditLineOut(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    seller_id: uuid.UUID
    product: str
    currency: str
    limit: Decimal
    drawn: Decimal = Field(description="Principal the draws still owe")
    available: Decimal = Field(description="The limit less what is drawn")
    annual_rate: Decimal
    origination_fee_rate: Decimal = Field(description="Of each draw, netted from its proceeds")
    draw_tenor_days: int = Field(description="Each draw is repaid over this many days")
    opened_on: date
    term_end_on: date = Field(description="No draw on or after this day")
    status: str = Field(description="open, frozen or closed, as stored")
    state: str = Field(description="open, frozen (the line or a risk control), ended or closed")
    terms: list[str] = Field(description="The line's terms in words (localised)")
    draws: list[DrawOut]
