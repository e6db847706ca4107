"""Ledger tables. The invariants live in the database (migration 0003): every entry sums to
zero per currency and phase, postings and entries are append-only, floors hold on the
available balance, and running balances are kept on the account row by the posting trigger.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, Timestamps, UUIDPrimaryKey

# Exact decimals with no fixed scale (NUMERIC): amounts are quantised to the currency's
# minor unit before they reach the database.
Amount = Numeric(asdecimal=True)


class LedgerAccount(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "code", "subject", "currency"),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    # What the account is about within its organisation: a loan id, a channel name, or ''.
    subject: Mapped[str] = mapped_column(String(128), default="")
    currency: Mapped[str] = mapped_column(String(3))
    normal_side: Mapped[str] = mapped_column(String(6))
    floor: Mapped[Decimal | None] = mapped_column(Amount)
    name: Mapped[str] = mapped_column(String(200))
    posted_debits: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    posted_credits: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    pending_debits: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    pending_credits: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")
    posting_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class LedgerEntry(UUIDPrimaryKey, Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('posted', 'pending', 'post_pending', 'void_pending', 'reversal')",
                        name="kind"),
        # An entry is reversed at most once, and a hold resolved by one entry only.
        Index("uq_ledger_entries_reverses_entry_id", "reverses_entry_id", unique=True,
              postgresql_where=text("reverses_entry_id IS NOT NULL")),
        Index("uq_ledger_entries_pending_entry_id", "pending_entry_id", unique=True,
              postgresql_where=text("pending_entry_id IS NOT NULL")),
    )

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # SHA-256 of the request, to refuse a reused key with a different body.
    request_digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500), default="")
    pending_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    effective_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
    actor_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class LedgerPosting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("phase IN ('posted', 'pending', 'release')", name="phase"),
        # Also serves as-of reads: walk an account's postings back from the newest.
        UniqueConstraint("account_id", "account_sequence"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    # Positive is a debit, negative a credit.
    amount: Mapped[Decimal] = mapped_column(Amount)
    # posted: moves the balance; pending: a hold; release: ends a hold (mirrors it).
    phase: Mapped[str] = mapped_column(String(8), default="posted")
    # Set by the database trigger: the account's order of postings and its posted balance
    # (normal side) right after this posting, so as-of reads need one index lookup.
    account_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    posted_balance_after: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
    # True when the statement that inserted the posting checked its entry's balance (the
    # recording functions, migration 0028); otherwise the entry is checked at commit.
    balanced_by_statement: Mapped[bool] = mapped_column(server_default=text("false"))


class LedgerHold(Base):
    """A pending entry's state: it moves from pending to posted or voided once only."""

    __tablename__ = "ledger_holds"
    __table_args__ = (CheckConstraint("state IN ('pending', 'posted', 'voided')", name="state"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_entries.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(8), default="pending")
    resolved_by_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    resolved_at: Mapped[datetime | None]


class Payment(UUIDPrimaryKey, Timestamps, Base):
    """A payout to a beneficiary through a payment channel, from request to settlement.

    The money is held on the source account when the payout is requested, posted when a
    channel accepts it, and moved from clearing to the channel's bank account when the
    channel reports it settled. Every step is idempotent on the payment.
    """

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "state IN ('requested', 'sending', 'sent', 'unknown', 'settled', 'failed')",
                        name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    source_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    beneficiary_name: Mapped[str] = mapped_column(String(200))
    beneficiary_account: Mapped[str] = mapped_column(String(64))
    beneficiary_country: Mapped[str] = mapped_column(String(2))
    reference: Mapped[str] = mapped_column(String(140))
    state: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    channel_reference: Mapped[str | None] = mapped_column(String(128))
    fee: Mapped[Decimal | None] = mapped_column(Amount)
    hold_entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_entries.id"))
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class BankStatementLine(UUIDPrimaryKey, Base):
    """A booking reported by the bank on one of the platform's bank accounts."""

    __tablename__ = "bank_statement_lines"

    bank_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    statement_id: Mapped[str] = mapped_column(String(140))
    # Identifies the line across re-imports of the same or an overlapping statement.
    line_digest: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int]  # order of the line within its statement
    booking_date: Mapped[date]
    value_date: Mapped[date | None]
    # Signed from the bank's side: positive is money into the account.
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(140))
    bank_reference: Mapped[str | None] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(String(2000), default="")
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ReconciliationMatch(UUIDPrimaryKey, Base):
    """A statement line paired with the ledger posting it confirms: each at most once."""

    __tablename__ = "reconciliation_matches"

    statement_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bank_statement_lines.id"),
                                                         unique=True)
    posting_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_postings.id"), unique=True)
    matched_by: Mapped[str] = mapped_column(String(16))  # "automatic" or "manual"
    rule: Mapped[str] = mapped_column(String(32))  # reference, amount_and_date, manual
    actor_id: Mapped[uuid.UUID | None]
    matched_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SimulatedPayout(Base):
    """What a simulated payment channel remembers of the payouts it took: the simulated bank's
    own books, kept in the database so that a restart of the process running it does not make
    the bank forget a payout (status polling after a restart must still find it)."""

    __tablename__ = "simulated_payouts"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    channel_reference: Mapped[str | None] = mapped_column(String(128))
    fee: Mapped[Decimal] = mapped_column(Amount)
    reason: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
