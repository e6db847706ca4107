"""Risk API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fourflow.core.pagination import PageOut


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


class CreditModelOut(BaseModel):
    """A version in the model registry, with the figures of its model card."""

    version: str
    status: str
    training_from: date | None
    training_to: date | None
    test_from: date | None
    test_to: date | None
    auc: float | None
    ks: float | None
    gini: float | None
    brier: float | None
    psi: float | None = Field(description="Score stability, training scores against test scores")
    has_drift_reference: bool = Field(description="False for versions trained before drift monitoring: "
                                                  "retrain to monitor them")
    created_at: datetime
    activated_at: datetime | None


class DriftCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    model_version: str
    as_of: date
    checked_at: datetime
    population: int = Field(description="Sellers scored (their newest snapshot in the window)")
    score_psi: Decimal | None = Field(description="None when the population was too small")
    status: str = Field(description="stable, watch, drifted or insufficient_data")
    score: dict[str, Any] | None = Field(description="Score buckets: bins, expected and actual shares")
    characteristics: dict[str, Any] = Field(
        description="Per characteristic: psi, status, bins, expected_shares, actual_shares")


class CreditModelDetailOut(CreditModelOut):
    card: dict[str, Any]
    drift_checks: PageOut[DriftCheckOut]
