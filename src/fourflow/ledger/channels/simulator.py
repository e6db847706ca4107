"""A simulated bank for the demo world and tests: configurable fee, speed, corridors,
failure rate and latency, and idempotent like a real payout API (same key, same payout)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from fourflow.ledger.channels.port import (
    ChannelProfile,
    ChannelUnavailable,
    PayoutInstruction,
    PayoutReceipt,
    PayoutState,
)


@dataclass
class SimulatedChannel:
    profile: ChannelProfile
    failure_rate: float = 0.0  # share of calls that fail with ChannelUnavailable
    latency_seconds: float = 0.0
    # After accepting, fail to answer (the caller sees a timeout) this share of the time.
    lost_answer_rate: float = 0.0
    seed: int = 0
    _random: random.Random = field(init=False)
    _payouts: dict[str, PayoutReceipt] = field(default_factory=dict, init=False)
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
        with self._lock:
            known = self._payouts.get(instruction.idempotency_key)
            if known is None:
                if instruction.currency not in self.profile.currencies or \
                        instruction.beneficiary_country not in self.profile.countries:
                    known = PayoutReceipt(PayoutState.REJECTED, None, self.profile.fixed_fee * 0,
                                          reason="corridor not served")
                else:
                    reference = f"{self.profile.name}-{uuid.uuid4().hex[:12]}"
                    known = PayoutReceipt(PayoutState.ACCEPTED, reference,
                                          self.profile.fee_for(instruction.amount))
                    self.sent_count += 1
                self._payouts[instruction.idempotency_key] = known
        if self._roll() < self.lost_answer_rate:
            # The payout exists at the bank, but the answer never reaches us.
            time.sleep(10)
        return known

    def payout_status(self, idempotency_key: str) -> PayoutReceipt:
        if self._roll() < self.failure_rate:
            raise ChannelUnavailable(f"{self.profile.name}: service unavailable")
        with self._lock:
            known = self._payouts.get(idempotency_key)
        if known is None:
            return PayoutReceipt(PayoutState.UNKNOWN, None, self.profile.fixed_fee * 0)
        if known.state is PayoutState.ACCEPTED:
            return PayoutReceipt(PayoutState.SETTLED, known.channel_reference, known.fee)
        return known
