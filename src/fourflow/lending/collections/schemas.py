"""Collections API shapes. Amounts travel as decimal strings with the loan's minor units; reasons
and labels in the reader's language."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class DelinquencyOut(BaseModel):
    loan_id: uuid.UUID
    as_of: date
    days_past_due: int
    bucket: str = Field(description="current, 1-30, 31-60, 61-90 or 90+")
    bucket_label: str
    overdue: Decimal = Field(description="Planned amounts due before as_of and not repaid")
    currency: str
    oldest_unpaid_due_on: date | None
    willingness: str = Field(description="willing (repaid something in the last 30 days) or unwilling")
    last_repaid_on: date | None


class CollectionActionOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    seller_id: uuid.UUID
    action_on: date
    action: str
    action_label: str
    bucket: str
    days_past_due: int
    overdue: Decimal
    currency: str
    willingness: str
    strategy_version: str
    reasons: list[str]
    created_at: datetime


class WriteOffIn(BaseModel):
    reason: str = Field(max_length=500, description="Why the loan will not be repaid")


class WriteOffOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    written_off_on: date
    days_past_due: int
    currency: str
    principal: Decimal
    interest: Decimal
    fees: Decimal
    funder_loss: Decimal
    reason: str


class RecoveryIn(BaseModel):
    amount: Decimal = Field(description="Money recovered, in the loan's currency")
    currency: str = Field(min_length=3, max_length=3)
    reference: str = Field(max_length=200, description="The bank's reference of the money received")
    channel: str | None = Field(None, max_length=64, description="The platform bank account it reached")


class RecoveryOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    reference: str
    amount: Decimal
    currency: str
    channel: str
    received_on: date


class StockActionIn(BaseModel):
    reason: str = Field(max_length=500, description="Why the stock is locked or released")


class StockEventOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="lock or release")
    warehouse: str
    sku: str
    units: int
    reason: str
    created_at: datetime


class StockOut(BaseModel):
    loan_id: uuid.UUID
    locked: dict[str, int] = Field(description="Units locked for the loan, per SKU")
    events: list[StockEventOut]


class AlertDecisionIn(BaseModel):
    reason: str = Field(max_length=500, description="Why the officer confirms or dismisses the alert")


class AppliedOut(BaseModel):
    kind: str = Field(description="control or recall")
    id: uuid.UUID
    standing: bool = Field(description="False once released (control) or lifted (recall)")


class ReleaseIn(BaseModel):
    reason: str = Field(max_length=500,
                        description="Why the officer releases the control or lifts the recall")


class ControlOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    control: str = Field(description="limit_freeze or drawdown_hold")
    control_label: str
    explanation: str = Field(description="What it means for the seller, in the reader's language")
    reasons: list[str] = Field(description="The monitoring findings behind it, in the reader's language")
    source: str
    imposed_reason: str
    imposed_by_user_id: uuid.UUID | None
    imposed_at: datetime
    standing: bool
    released_by_user_id: uuid.UUID | None
    released_at: datetime | None
    release_reason: str | None


class RecallOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    alert_id: uuid.UUID
    seller_id: uuid.UUID
    recalled_on: date = Field(description="Everything owed fell due on this day")
    currency: str
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal
    previous_maturity_on: date
    reasons: list[str]
    recalled_reason: str
    recalled_by_user_id: uuid.UUID | None
    recalled_at: datetime
    standing: bool
    lifted_by_user_id: uuid.UUID | None
    lifted_at: datetime | None
    lift_reason: str | None


class InterventionOut(BaseModel):
    kind: str = Field(description="limit_freeze, drawdown_hold or early_recall")
    id: uuid.UUID
    since: date
    explanation: str = Field(description="What it means, in the reader's language")
    reasons: list[str]
    officer_reason: str
    loan_id: uuid.UUID | None


class AlertOut(BaseModel):
    id: uuid.UUID
    loan_id: uuid.UUID
    seller_id: uuid.UUID
    raised_on: date
    monitoring_version: str
    findings: list[str] = Field(description="The anomalies found, in the reader's language")
    finding_codes: list[str]
    proposed_action: str = Field(description="limit_freeze, drawdown_hold or early_recall")
    proposed_action_label: str
    status: str = Field(description="open, confirmed or dismissed")
    decided_at: datetime | None
    decision_reason: str | None
    applied: list[AppliedOut] = Field(
        default_factory=list, description="What the confirmation did: a control on the seller or a recall")
