"""Risk API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DecisionIn(BaseModel):
    seller_id: uuid.UUID | None = Field(
        None, description="Risk staff: the seller; sellers decide for themselves")
    product: str = Field(description="order_financing, receivables_financing, inventory_financing, "
                                     "revolving_credit_line")
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    payee: str | None = Field(None, max_length=200, description="Who the money goes to (use-of-funds rules)")


class ReasonOut(BaseModel):
    code: str
    text: str
    audience: str


class DecisionOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    product: str
    amount: Decimal
    currency: str
    outcome: str
    grade: str | None
    score: int | None
    probability_of_default: Decimal | None
    per_transaction_limit: Decimal | None
    cumulative_limit: Decimal | None
    annual_rate: Decimal | None
    annual_percentage_rate: Decimal | None
    price: dict[str, Any] | None
    reasons: list[ReasonOut]
    versions: dict[str, Any]
    decided_at: datetime


class DecisionDetailOut(DecisionOut):
    """What risk staff see besides: every input and output the decision stored."""

    inputs: dict[str, Any]
    outputs: dict[str, Any]


class ReplayOut(BaseModel):
    decision_id: uuid.UUID
    identical: bool
    differences: list[str]


class RuleSetVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    version: int
    status: str
    content_sha256: str
    note: str | None
    created_at: datetime
    activated_at: datetime | None


class RuleSetDocumentOut(RuleSetVersionOut):
    document: dict[str, Any]


class RuleSetIn(BaseModel):
    document: dict[str, Any] = Field(description="The JDM decision graph (GoRules JSON)")
    note: str | None = Field(None, max_length=500)


class RuleChangeOut(BaseModel):
    kind: str
    text: str
    node_id: str | None
    rule_id: str | None
    details: dict[str, Any]


class BacktestOut(BaseModel):
    name: str
    version: int
    report: dict[str, Any]
