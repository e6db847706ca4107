"""Bank statements as read from a bank's file: plain immutable values, no database.

Both parsers (camt.053 and MT940) produce these, so reconciliation code never needs to
know which format a bank delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Direction = Literal["credit", "debit"]


def signed(amount: Decimal, direction: Direction) -> Decimal:
    """The amount with its sign: positive for money in, negative for money out."""
    # A zero debit stays Decimal("0.00"), not "-0.00", so it prints and compares naturally.
    return -amount if direction == "debit" and amount else amount


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One booking on the account; ``credit`` means money came into the account."""

    booking_date: date
    value_date: date | None
    amount: Decimal
    currency: str
    direction: Direction
    reference: str | None
    bank_reference: str | None
    description: str
    counterparty_name: str | None
    counterparty_account: str | None
    transaction_code: str | None
    position: int

    def __post_init__(self) -> None:
        # The sign lives in ``direction``; a negative amount here would flip it twice.
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"a statement line amount must be finite and not negative, not {self.amount}")

    @property
    def signed_amount(self) -> Decimal:
        return signed(self.amount, self.direction)


@dataclass(frozen=True, slots=True)
class StatementBalance:
    """A balance the bank reports; ``amount`` is negative when the account is overdrawn (debit)."""

    kind: str
    amount: Decimal
    currency: str
    date: date


@dataclass(frozen=True, slots=True)
class Statement:
    statement_id: str
    account: str
    currency: str | None
    opening_balance: StatementBalance | None
    closing_balance: StatementBalance | None
    balances: tuple[StatementBalance, ...]
    lines: tuple[StatementLine, ...]
    created_at: datetime | None
