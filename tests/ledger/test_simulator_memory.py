"""A simulated bank keeps its payouts in the database: after the process running it restarts,
status polling still finds a payout it accepted, and a repeated send is the same payout."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from fourflow.ledger.channels.port import PayoutInstruction, PayoutState
from fourflow.ledger.channels.registry import DEMO_CHANNELS
from fourflow.ledger.channels.simulator import DatabasePayoutMemory, SimulatedChannel

LOTUS_PAY = next(profile for profile in DEMO_CHANNELS if profile.name == "lotus-pay")


@pytest.fixture
def key(engine: Engine) -> Iterator[str]:
    """The bank's books are committed on their own connections: remove the test's payout after."""
    key = f"payout-{uuid.uuid4()}"
    yield key
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM simulated_payouts WHERE idempotency_key = :k"), {"k": key})


def _instruction(key: str) -> PayoutInstruction:
    return PayoutInstruction(key, Decimal("1000.00"), "USD", "Dongguan Moulds Ltd.", "CN77001234",
                             "CN", "PO-4471")


def test_a_restarted_simulator_still_knows_the_payouts_it_accepted(engine: Engine, key: str) -> None:
    before = SimulatedChannel(LOTUS_PAY, memory=DatabasePayoutMemory(engine))
    accepted = before.send_payout(_instruction(key))
    # lotus-pay: 2.00 + 0.3 % of 1,000.00 = 5.00
    assert (accepted.state, accepted.fee) == (PayoutState.ACCEPTED, Decimal("5.00"))
    assert before.sent_count == 1

    after = SimulatedChannel(LOTUS_PAY, memory=DatabasePayoutMemory(engine))  # a new process
    status = after.payout_status(key)
    assert (status.state, status.channel_reference, status.fee) == (
        PayoutState.SETTLED, accepted.channel_reference, Decimal("5.00"))
    repeated = after.send_payout(_instruction(key))
    assert repeated == accepted
    assert after.sent_count == 0  # the same payout, not a second one
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT channel, state FROM simulated_payouts WHERE idempotency_key = :k"), {"k": key}).all()
    assert [tuple(row) for row in rows] == [("lotus-pay", "accepted")]


def test_a_payout_the_bank_never_received_is_unknown_after_a_restart(engine: Engine, key: str) -> None:
    channel = SimulatedChannel(LOTUS_PAY, memory=DatabasePayoutMemory(engine))
    assert channel.payout_status(key).state is PayoutState.UNKNOWN
