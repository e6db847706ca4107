"""A simulated bank for the demo world and tests: configurable fee, speed, corridors,
failure rate and latency, and idempotent like a real payout API (same key, same payout).

A simulated bank remembers the payouts it took in its ``memory``: in the process for unit
tests, in the database (``DatabasePayoutMemory``) for the demo world, where the process that
runs it restarts and every worker process must reach the same bank.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Engine, text

from fourflow.ledger.channels.port import (
    ChannelProfile,
    ChannelUnavailable,
    PayoutInstruction,
    PayoutReceipt,
    PayoutState,
)


class PayoutMemory(Protocol):
    def find(self, channel: str, idempotency_key: str) -> PayoutReceipt | None: ...

    def remember(self, channel: str, idempotency_key: str, receipt: PayoutReceipt
                 ) -> tuple[PayoutReceipt, bool]:
        """Keep ``receipt`` unless the key is known already; returns the kept receipt and
        whether it is the one just given."""
        ...


class LocalPayoutMemory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._payouts: dict[tuple[str, str], PayoutReceipt] = {}

    def find(self, channel: str, idempotency_key: str) -> PayoutReceipt | None:
        with self._lock:
            return self._payouts.get((channel, idempotency_key))

    def remember(self, channel: str, idempotency_key: str, receipt: PayoutReceipt
                 ) -> tuple[PayoutReceipt, bool]:
        with self._lock:
            kept = self._payouts.setdefault((channel, idempotency_key), receipt)
        return kept, kept is receipt


_FIND = text("SELECT state, channel_reference, fee, reason FROM simulated_payouts "
             "WHERE channel = :channel AND idempotency_key = :key")
_REMEMBER = text(
    "INSERT INTO simulated_payouts (channel, idempotency_key, state, channel_reference, fee, reason) "
    "VALUES (:channel, :key, :state, :reference, :fee, :reason) "
    "ON CONFLICT (channel, idempotency_key) DO NOTHING RETURNING channel")


class DatabasePayoutMemory:
    """The ``simulated_payouts`` table, written on connections of its own and committed at
    once, as a bank's books would be: the payout exists whatever happens to our transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, channel: str, idempotency_key: str) -> PayoutReceipt | None:
        with self.engine.connect() as connection:
            row = connection.execute(_FIND, {"channel": channel, "key": idempotency_key}).first()
            connection.rollback()
        if row is None:
            return None
        return PayoutReceipt(PayoutState(row.state), row.channel_reference, Decimal(row.fee),
                             row.reason)

    def remember(self, channel: str, idempotency_key: str, receipt: PayoutReceipt
                 ) -> tuple[PayoutReceipt, bool]:
        with self.engine.begin() as connection:
            inserted = connection.execute(_REMEMBER, {
                "channel": channel, "key": idempotency_key, "state": receipt.state.value,
                "reference": receipt.channel_reference, "fee": receipt.fee,
                "reason": receipt.reason}).first()
        if inserted is not None:
            return receipt, True
        kept = self.find(channel, idempotency_key)
        assert kept is not None
        return kept, False


@dataclass
class SimulatedChannel:
    profile: ChannelProfile
    failure_rate: float = 0.0  # share of calls that fail with ChannelUnavailable
    latency_seconds: float = 0.0
    # After accepting, fail to answer (the caller sees a timeout) this share of the time.
    lost_answer_rate: float = 0.0
    seed: int = 0
    memory: PayoutMemory = field(default_factory=LocalPayoutMemory)
    _random: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    sent_count: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def _roll(self) -> float:
        with self._lock:
            return self._random.random()

    def send_payout(self, instruction: PayoutInstruction) -> PayoutReceipt:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        if self._roll() < self.failure_rate:
            raise ChannelUnavailable(f"{self.profile.name}: service unavailable")
        name = self.profile.name
        known = self.memory.find(name, instruction.idempotency_key)
        if known is None:
            if instruction.currency not in self.profile.currencies or \
                    instruction.beneficiary_country not in self.profile.countries:
                offered = PayoutReceipt(PayoutState.REJECTED, None, self.profile.fixed_fee * 0,
                                        reason="corridor not served")
            else:
                offered = PayoutReceipt(PayoutState.ACCEPTED, f"{name}-{uuid.uuid4().hex[:12]}",
                                        self.profile.fee_for(instruction.amount))
            known, new = self.memory.remember(name, instruction.idempotency_key, offered)
            if new and known.state is PayoutState.ACCEPTED:
                with self._lock:
                    self.sent_count += 1
        if self._roll() < self.lost_answer_rate:
            # The payout exists at the bank, but the answer never reaches us.
            time.sleep(10)
        return known

    def payout_status(self, idempotency_key: str) -> PayoutReceipt:
        if self._roll() < self.failure_rate:
            raise ChannelUnavailable(f"{self.profile.name}: service unavailable")
        known = self.memory.find(self.profile.name, idempotency_key)
        if known is None:
            return PayoutReceipt(PayoutState.UNKNOWN, None, self.profile.fixed_fee * 0)
        if known.state is PayoutState.ACCEPTED:
            return PayoutReceipt(PayoutState.SETTLED, known.channel_reference, known.fee)
        return known
