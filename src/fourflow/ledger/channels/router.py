"""Choose a payment channel by cost, speed and compliance, fail over when one fails, and
never send a payout twice when its outcome is unknown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial

from fourflow.core.clock import Clock
from fourflow.core.resilience import BreakerStore, CallTimedOut, CircuitBreaker, CircuitOpen
from fourflow.ledger.channels.port import (
    ChannelUnavailable,
    PaymentChannel,
    PayoutInstruction,
    PayoutReceipt,
    PayoutState,
)


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """Compliance as configuration: for a (currency, beneficiary country) corridor, the only
    channels allowed (e.g. FX-controlled currencies through licensed institutions only)."""

    allowed_channels: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def permits(self, channel: str, currency: str, country: str) -> bool:
        allowed = self.allowed_channels.get((currency, country))
        return allowed is None or channel in allowed


class RoutingState(StrEnum):
    SENT = "sent"  # a channel accepted the payout
    UNKNOWN = "unknown"  # a channel may have it: resolve by status, never resend elsewhere
    FAILED = "failed"  # no channel took it; nothing was paid


@dataclass(frozen=True, slots=True)
class Attempt:
    channel: str
    outcome: str  # accepted, rejected, unavailable, circuit_open, timed_out
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    state: RoutingState
    channel: str | None
    receipt: PayoutReceipt | None
    attempts: tuple[Attempt, ...]


class PaymentRouter:
    def __init__(self, channels: list[PaymentChannel], rules: RoutingRules | None = None, *,
                 timeout_seconds: float = 5.0, failure_threshold: int = 3,
                 reset_after: timedelta = timedelta(seconds=30), clock: Clock | None = None,
                 breaker_store: BreakerStore | None = None) -> None:
        """``breaker_store`` shares the breakers' state with other processes (see
        ``fourflow.core.breakers``); by default each router keeps its own."""
        self.channels = {channel.profile.name: channel for channel in channels}
        self.rules = rules or RoutingRules()
        self.timeout_seconds = timeout_seconds
        self.breakers = {name: CircuitBreaker(name, failure_threshold=failure_threshold,
                                              reset_after=reset_after, clock=clock,
                                              store=breaker_store)
                         for name in self.channels}

    def candidates(self, instruction: PayoutInstruction) -> list[tuple[PaymentChannel, Decimal]]:
        """Eligible channels, cheapest first, then fastest."""
        eligible = [
            (channel, channel.profile.fee_for(instruction.amount))
            for channel in self.channels.values()
            if instruction.currency in channel.profile.currencies
            and instruction.beneficiary_country in channel.profile.countries
            and self.rules.permits(channel.profile.name, instruction.currency,
                                   instruction.beneficiary_country)
        ]
        return sorted(eligible, key=lambda pair: (pair[1], pair[0].profile.settlement_seconds,
                                                  pair[0].profile.name))

    def try_channel(self, name: str, instruction: PayoutInstruction
                    ) -> tuple[Attempt, PayoutReceipt | None]:
        """One attempt through the channel's breaker and timeout. ``accepted`` carries the
        receipt; ``timed_out`` means the outcome is unknown; the rest mean nothing was paid."""
        channel = self.channels[name]
        try:
            receipt = self.breakers[name].call(partial(channel.send_payout, instruction),
                                               timeout_seconds=self.timeout_seconds)
        except CircuitOpen:
            return Attempt(name, "circuit_open"), None
        except ChannelUnavailable as error:
            # Refused before acceptance: failing over cannot pay twice.
            return Attempt(name, "unavailable", str(error)), None
        except CallTimedOut:
            # The channel may have accepted it. Another channel now could pay twice.
            return Attempt(name, "timed_out"), None
        if receipt.state is PayoutState.REJECTED:
            return Attempt(name, "rejected", receipt.reason), None
        return Attempt(name, "accepted"), receipt

    def send(self, instruction: PayoutInstruction) -> RoutingOutcome:
        """Try the candidates in order until one accepts or the outcome is unknown."""
        attempts: list[Attempt] = []
        for channel, _fee in self.candidates(instruction):
            attempt, receipt = self.try_channel(channel.profile.name, instruction)
            attempts.append(attempt)
            if attempt.outcome == "accepted":
                return RoutingOutcome(RoutingState.SENT, attempt.channel, receipt, tuple(attempts))
            if attempt.outcome == "timed_out":
                return RoutingOutcome(RoutingState.UNKNOWN, attempt.channel, None, tuple(attempts))
        return RoutingOutcome(RoutingState.FAILED, None, None, tuple(attempts))

    def status(self, channel_name: str, idempotency_key: str) -> PayoutReceipt:
        """Ask the channel that may hold the payout; UNKNOWN means it never arrived there,
        so sending it again (same key) is safe."""
        channel = self.channels[channel_name]
        return self.breakers[channel_name].call(lambda: channel.payout_status(idempotency_key),
                                                timeout_seconds=self.timeout_seconds)
