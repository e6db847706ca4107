"""The port every bank or payment institution adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class PayoutState(StrEnum):
    ACCEPTED = "accepted"  # the channel took the instruction; settlement follows
    SETTLED = "settled"
    REJECTED = "rejected"  # refused before any money moved: safe to try another channel
    UNKNOWN = "unknown"  # the channel has no record of it


@dataclass(frozen=True, slots=True)
class PayoutInstruction:
    # Sent to the channel as its own idempotency key: a repeated send is the same payout.
    idempotency_key: str
    amount: Decimal
    currency: str
    beneficiary_name: str
    beneficiary_account: str
    beneficiary_country: str
    reference: str


@dataclass(frozen=True, slots=True)
class PayoutReceipt:
    state: PayoutState
    channel_reference: str | None
    fee: Decimal
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelProfile:
    """What the router weighs: cost, speed, and where the channel may pay."""

    name: str
    fixed_fee: Decimal
    percentage_fee: Decimal  # of the amount, e.g. Decimal("0.0025") for 0.25 %
    settlement_seconds: int
    currencies: frozenset[str]
    countries: frozenset[str]  # beneficiary countries served

    def fee_for(self, amount: Decimal) -> Decimal:
        return self.fixed_fee + amount * self.percentage_fee


class ChannelUnavailable(Exception):
    """The channel could not be reached or answered with a server error."""


class PaymentChannel(Protocol):
    profile: ChannelProfile

    def send_payout(self, instruction: PayoutInstruction) -> PayoutReceipt: ...

    def payout_status(self, idempotency_key: str) -> PayoutReceipt: ...
