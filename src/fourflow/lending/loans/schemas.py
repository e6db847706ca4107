"""Loan API shapes. Amounts travel as decimal strings with the loan's minor units."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ShipmentIn(BaseModel):
    tracking_number: str = Field(min_length=1, max_length=64, description="The carrier's tracking number")
    warehouse: str = Field(min_length=1, max_length=64, description="The warehouse the goods must arrive at")


class SupplierIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="The payee named in the application")
    account: str = Field(min_length=1, max_length=64,
                         description="The supplier's bank account (IBAN or number)")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 alpha-2 country of the account")


class LoanBookIn(BaseModel):
    offer_id: uuid.UUID = Field(description="An offer the seller has accepted")
    shipment: ShipmentIn | None = Field(
        None, description="Order financing: the shipment of the financed goods that must arrive at the "
                          "warehouse before the loan is disbursed")
    supplier: SupplierIn | None = Field(
        None, description="Order and inventory financing: the approved supplier paid through the "
                          "payment router")


class ConditionOut(BaseModel):
    kind: str = Field(description="contract_signed or goods_arrived")
    label: str
    rules_version: str
    parameters: dict[str, Any]
    status: str = Field(description="met or unmet")
    met_at: datetime | None
    last_evaluated_at: datetime | None
    reason: str | None = Field(description="Why, as of the latest evaluation (localised)")


class EvaluationOut(BaseModel):
    kind: str
    event: str
    rules_version: str
    result: str
    reason_code: str
    reason: str
    inputs: dict[str, Any]
    evaluated_at: datetime


class DisbursementOut(BaseModel):
    attempt: int
    method: str = Field(description="wallet or supplier")
    amount: Decimal
    currency: str
    payee: str
    payment_id: uuid.UUID | None
    status: str = Field(description="pending, completed or failed")
    triggered_by: str
    created_at: datetime
    completed_at: datetime | None


class LoanConditionsOut(BaseModel):
    loan_id: uuid.UUID
    status: str
    all_met: bool
    conditions: list[ConditionOut]
    evaluations: list[EvaluationOut] = Field(description="Latest first")
    disbursements: list[DisbursementOut]


class BalancesOut(BaseModel):
    principal: Decimal = Field(description="Principal still owed")
    interest: Decimal = Field(description="Interest accrued and unpaid")
    fees: Decimal = Field(description="Fees charged and unpaid")
    total: Decimal


class InstalmentOut(BaseModel):
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal


class LoanOut(BaseModel):
    id: uuid.UUID
    offer_id: uuid.UUID
    seller_id: uuid.UUID
    funder_id: uuid.UUID
    products_version: str
    product: str
    status: str = Field(description="awaiting_disbursement, disbursing, active, closed or written_off")
    disbursement_method: str = Field(description="wallet, or supplier (paid through the payment router)")
    supplier_name: str | None
    principal: Decimal
    currency: str
    annual_rate: Decimal
    day_count_convention: str
    origination_fee: Decimal
    disbursed_amount: Decimal = Field(description="Principal less the origination fee, paid to the wallet")
    tenor_days: int
    repayment_method: str
    remittance_rate: Decimal | None
    start_on: date
    maturity_on: date
    interest_accrued_until: date | None = Field(
        description="Interest of every day before this one is accrued")
    interest_accrued: Decimal = Field(description="All interest accrued over the loan's life")
    interest_split_version: str = Field(description="The agreed split of interest, e.g. interest-split@v1")
    funder_interest_share: Decimal = Field(description="The funder's share of each day's interest (0-1)")
    funder_interest: Decimal = Field(description="Accrued interest credited to the funder (funder:income)")
    platform_interest: Decimal = Field(
        description="Accrued interest kept by the platform (platform:income:interest)")
    balances: BalancesOut
    schedule: list[InstalmentOut]
    booked_at: datetime
    disbursed_at: datetime | None
    closed_at: datetime | None


class RepaymentOut(BaseModel):
    id: uuid.UUID
    payout_id: uuid.UUID
    payout_reference: str
    paid_on: date
    currency: str
    fees: Decimal
    interest: Decimal
    principal: Decimal
    total: Decimal


class PayoutIn(BaseModel):
    seller_id: uuid.UUID
    amount: Decimal = Field(description="The payout received, in the currency's minor units at most")
    currency: str = Field(min_length=3, max_length=3)
    reference: str = Field(max_length=200, description="The marketplace's payout reference: applied once")


class PayoutOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    reference: str
    amount: Decimal
    currency: str
    received_on: date
    released: Decimal = Field(description="What reached the seller's wallet after the loans took their share")
    repayments: list[RepaymentOut]
    advances_netted: list[NettingOut] = Field(
        default_factory=list, description="The daily advances the payout repaid first")


class NettingOut(BaseModel):
    advance_id: uuid.UUID
    payout_id: uuid.UUID
    netted_on: date
    fees: Decimal
    principal: Decimal


class AdvanceOrderOut(BaseModel):
    marketplace: str
    order_id: str
    amount: Decimal
    currency: str
    shipped_at: datetime = Field(description="The carrier's first scan")


class DailyAdvanceOut(BaseModel):
    id: uuid.UUID
    seller_id: uuid.UUID
    loan_id: uuid.UUID = Field(description="The receivables-financing loan the advance is drawn under")
    sales_on: date = Field(description="The day the orders shipped")
    advanced_on: date
    due_on: date = Field(description="From this day any payout of the seller nets it")
    terms_version: str
    currency: str
    sales: Decimal = Field(description="Σ of the orders' totals")
    advance: Decimal
    fee: Decimal
    principal_repaid: Decimal
    fee_repaid: Decimal
    outstanding: Decimal = Field(description="Principal and fee not netted yet")
    status: str = Field(description="outstanding, partly_netted or netted")
    orders_count: int
    orders: list[AdvanceOrderOut]
    nettings: list[NettingOut]
    inputs: dict[str, Any] = Field(description="The figures the advance was computed from")


class EnrolmentIn(BaseModel):
    loan_id: uuid.UUID | None = Field(
        None, description="The receivables-financing loan to draw under (default: the newest active one)")


class EnrolmentOut(BaseModel):
    enrolled: bool
    id: uuid.UUID | None = None
    loan_id: uuid.UUID | None = None
    terms_version: str | None = None
    advance_share: Decimal | None = None
    fee_rate: Decimal | None = None
    cap: Decimal | None = None
    currency: str | None = None
    enrolled_at: datetime | None = None
    withdrawn_at: datetime | None = None
