"""Loans, their planned instalments, the payouts applied to sellers' loans and the repayments they
made.

A loan is booked from an accepted offer (``awaiting_disbursement``), or is one draw on a credit
line (``lending.lines``; many loans on the line's offer) with its disbursement conditions
(``LoanCondition``, evaluated on events, every evaluation kept as a ``LoanConditionEvaluation``); a
payment to a supplier through the payment router is ``disbursing`` until the channel takes it; it
becomes ``active`` when it is disbursed and ``closed`` when its principal, interest and fees are all
repaid, or ``written_off``
(``lending.collections``) when they will not be. Its money lives in the
ledger (``loan:principal``, ``loan:interest``, ``loan:fees``, one account of each per loan, subject the
loan's id); the row keeps the terms and the accrual state: interest accrues exactly as the numerator
Σ balance × rate × days (``lending.schedules.AccruedInterest``) and what of it was posted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fourflow.core.models import Base, UUIDPrimaryKey

LOAN_STATUSES = ("awaiting_disbursement", "disbursing", "active", "closed", "written_off")


class Loan(UUIDPrimaryKey, Base):
    __tablename__ = "lending_loans"
    __table_args__ = (
        # One loan per offer, except the draws on a credit line (``lending.lines``): each is a loan
        # of the line's offer.
        Index("uq_lending_loans_offer_id", "offer_id", unique=True,
              postgresql_where="product <> 'revolving_credit_line'"),
        Index("ix_lending_loans_offer", "offer_id"),
        CheckConstraint(
            "status IN ('awaiting_disbursement', 'disbursing', 'active', 'closed', 'written_off')",
            name="status"),
        CheckConstraint("disbursement_method IN ('wallet', 'supplier')", name="disbursement_method"),
        CheckConstraint("disbursement_method = 'wallet' OR (supplier_name IS NOT NULL AND "
                        "supplier_account IS NOT NULL AND supplier_country IS NOT NULL)",
                        name="supplier_named"),
        CheckConstraint("principal_amount > 0", name="principal_positive"),
        CheckConstraint("origination_fee_amount >= 0 AND origination_fee_amount < principal_amount",
                        name="fee_below_principal"),
        Index("ix_lending_loans_seller_booked", "seller_organisation_id", "booked_at"),
        Index("ix_lending_loans_status", "status"),
    )

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_offers.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    # Whose capital is lent (funder:available → funder:deployed).
    funder_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    products_version: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(32))
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    day_count_convention: Mapped[str] = mapped_column(String(16))
    origination_fee_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    tenor_days: Mapped[int]
    repayment_method: Mapped[str] = mapped_column(String(24))
    repayment_period_days: Mapped[int | None]
    remittance_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    status: Mapped[str] = mapped_column(String(24))
    # Where the money goes: the seller's wallet, or (use of funds restricted to approved suppliers)
    # the supplier named at booking, paid through the payment router.
    disbursement_method: Mapped[str] = mapped_column(String(16), server_default="wallet")
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_account: Mapped[str | None] = mapped_column(String(64))
    supplier_country: Mapped[str | None] = mapped_column(String(2))
    # The Idempotency-Key of the booking: a retry with it gets this loan back.
    booking_key: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[date]  # interest runs from here (the disbursement day once disbursed)
    maturity_on: Mapped[date]
    # Interest of every day before this one has been accrued (None until disbursed).
    interest_accrued_until: Mapped[date | None]
    # Σ principal balance × annual rate × day-count days: the exact interest is this ÷ the year's days.
    accrual_numerator: Mapped[Decimal] = mapped_column(Numeric(40, 14))
    interest_accrued_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # posted so far
    # The funder's share of the interest (``lending.schedules.InterestSplit``), agreed at booking, and
    # the part of ``interest_accrued_amount`` credited to the funder so far (the rest is the platform's).
    interest_split_version: Mapped[str] = mapped_column(String(32), server_default="interest-split@v1")
    funder_interest_share: Mapped[Decimal] = mapped_column(Numeric(10, 6), server_default="0.8")
    funder_interest_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4), server_default="0")
    booked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    disbursed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime]
    disbursed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class LoanInstalment(UUIDPrimaryKey, Base):
    """The planned schedule (``lending.schedules``), from the start day."""

    __tablename__ = "lending_loan_instalments"
    __table_args__ = (UniqueConstraint("loan_id", "number"),)

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    number: Mapped[int]
    due_on: Mapped[date]
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    interest_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    fees_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))


class SellerPayout(UUIDPrimaryKey, Base):
    """A marketplace payout received for a seller, applied once per (seller, reference)."""

    __tablename__ = "lending_payouts"
    __table_args__ = (
        UniqueConstraint("seller_organisation_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date]
    released_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # what reached the wallet
    created_at: Mapped[datetime]


class LoanRepayment(UUIDPrimaryKey, Base):
    """What one payout repaid of one loan."""

    __tablename__ = "lending_loan_repayments"
    __table_args__ = (
        UniqueConstraint("loan_id", "payout_id"),
        Index("ix_lending_loan_repayments_seller", "seller_organisation_id"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    payout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_payouts.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    paid_on: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    fees_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    interest_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    created_at: Mapped[datetime]

    # Loaded with the repayment (one join): every listing of repayments shows the payout's reference.
    payout: Mapped[SellerPayout] = relationship(lazy="joined", innerjoin=True)


class LoanCondition(UUIDPrimaryKey, Base):
    """One disbursement condition of a loan (F21), made at booking from the product's configuration
    (``lending.products.DISBURSEMENT_CONDITIONS``, versioned): its kind, the parameters it checks
    (e.g. which shipment must arrive at which warehouse), whether it is met and since when. A met
    condition stays met: the evaluation that met it is in the history."""

    __tablename__ = "lending_loan_conditions"
    __table_args__ = (
        UniqueConstraint("loan_id", "kind"),
        CheckConstraint("status IN ('unmet', 'met')", name="status"),
        CheckConstraint("(status = 'met') = (met_at IS NOT NULL)", name="met_at_when_met"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    kind: Mapped[str] = mapped_column(String(32))  # contract_signed, goods_arrived
    rules_version: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(8))
    met_at: Mapped[datetime | None]
    last_evaluated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LoanConditionEvaluation(UUIDPrimaryKey, Base):
    """One evaluation of one condition: when, on which event, what the rule saw and what it
    concluded, under which rule version. Append-only."""

    __tablename__ = "lending_loan_condition_evaluations"
    __table_args__ = (
        CheckConstraint("result IN ('unmet', 'met')", name="result"),
        Index("ix_lending_loan_condition_evaluations_loan", "loan_id", "evaluated_at", "recorded_at"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    kind: Mapped[str] = mapped_column(String(32))  # the condition's (one per kind per loan)
    event: Mapped[str] = mapped_column(String(32))  # contract_countersigned, shipment_tracking, …
    rules_version: Mapped[str] = mapped_column(String(40))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(64))  # a stable code, shown through REASON_LABELS
    evaluated_at: Mapped[datetime]  # the platform's clock (tests move it)
    # The database's own time of the insert: orders evaluations made at the same clock time.
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class LoanDisbursement(UUIDPrimaryKey, Base):
    """One attempt to pay a loan out. Into the wallet it completes at once; to a supplier it holds
    the funder's capital and waits for the payment router (``payment_id``): posted when a channel
    takes the payment, released when none does (then a new attempt may follow, with a new key)."""

    __tablename__ = "lending_loan_disbursements"
    __table_args__ = (
        UniqueConstraint("loan_id", "attempt"),
        CheckConstraint("method IN ('wallet', 'supplier')", name="method"),
        CheckConstraint("status IN ('pending', 'completed', 'failed')", name="status"),
        Index("ix_lending_loan_disbursements_one_open", "loan_id", unique=True,
              postgresql_where="status IN ('pending', 'completed')"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    attempt: Mapped[int]
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # what the payee receives
    currency: Mapped[str] = mapped_column(String(3))
    payee: Mapped[str] = mapped_column(String(200))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"))
    # The pending hold of the origination fee on the funder's capital (supplier payments).
    fee_hold_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    status: Mapped[str] = mapped_column(String(16))
    triggered_by: Mapped[str] = mapped_column(String(32))  # conditions_met, operations
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class DailyAdvanceEnrolment(UUIDPrimaryKey, Base):
    """A seller's opt-in to the daily advance under their receivables-financing loan (the facility),
    on the terms of ``products.DAILY_ADVANCE_TERMS`` of its version, copied here when enrolled. At most
    one enrolment of a seller is ``enrolled`` at a time; leaving it (``withdrawn``) stops new advances,
    the outstanding ones are still netted from payouts."""

    __tablename__ = "lending_daily_advance_enrolments"
    __table_args__ = (
        CheckConstraint("status IN ('enrolled', 'withdrawn')", name="status"),
        CheckConstraint("advance_share > 0 AND advance_share <= 1 AND fee_rate >= 0 AND fee_rate < 1 "
                        "AND cap_amount > 0", name="terms"),
        CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)",
                        name="withdrawn_at_when_withdrawn"),
        Index("ix_lending_daily_advance_enrolments_one_enrolled", "seller_organisation_id", unique=True,
              postgresql_where="status = 'enrolled'"),
    )

    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))  # the facility
    terms_version: Mapped[str] = mapped_column(String(32))
    advance_share: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(10, 6))
    netting_due_days: Mapped[int]
    purchase_window_days: Mapped[int]
    cap_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # outstanding advances stay within it
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    enrolled_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime]
    withdrawn_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


class DailyAdvance(UUIDPrimaryKey, Base):
    """One morning's advance to one seller: what it was based on (``inputs``, its orders in
    ``DailyAdvanceOrder``, the terms version), what was paid and charged, and what payouts netted."""

    __tablename__ = "lending_daily_advances"
    __table_args__ = (
        UniqueConstraint("seller_organisation_id", "sales_on"),
        CheckConstraint("status IN ('outstanding', 'partly_netted', 'netted')", name="status"),
        CheckConstraint("principal_amount > 0 AND fee_amount >= 0", name="amounts"),
        CheckConstraint("principal_repaid_amount >= 0 AND principal_repaid_amount <= principal_amount "
                        "AND fee_repaid_amount >= 0 AND fee_repaid_amount <= fee_amount",
                        name="repaid_within"),
        Index("ix_lending_daily_advances_seller_open", "seller_organisation_id", "status", "sales_on"),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_daily_advance_enrolments.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_loans.id"))
    funder_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    sales_on: Mapped[date]  # the day the orders shipped (the advance is paid the morning after)
    advanced_on: Mapped[date]
    due_on: Mapped[date]  # netted from any payout from this day on
    terms_version: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    sales_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))  # Σ of its orders' totals
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    principal_repaid_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    fee_repaid_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    orders_count: Mapped[int]
    # The figures of the decision: share, fee rate, uncapped advance, cap, outstanding before, …
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    ledger_entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime]
    netted_at: Mapped[datetime | None]


class DailyAdvanceOrder(UUIDPrimaryKey, Base):
    """An order an advance was based on, as the trade data showed it then (the trade row may later be
    replaced by a corrected download): an order is advanced against once."""

    __tablename__ = "lending_daily_advance_orders"
    __table_args__ = (
        UniqueConstraint("seller_organisation_id", "marketplace", "order_id"),
        Index("ix_lending_daily_advance_orders_advance", "advance_id"),
    )

    advance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_daily_advances.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    marketplace: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(String(64))
    trade_order_row_id: Mapped[uuid.UUID]  # trade_orders.id when read (no foreign key: rows are replaced)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    shipped_at: Mapped[datetime]


class DailyAdvanceNetting(UUIDPrimaryKey, Base):
    """What one payout repaid of one advance (fee first, then principal)."""

    __tablename__ = "lending_daily_advance_nettings"
    __table_args__ = (UniqueConstraint("advance_id", "payout_id"),)

    advance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_daily_advances.id"))
    payout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_payouts.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    principal_amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    netted_on: Mapped[date]
    created_at: Mapped[datetime]
