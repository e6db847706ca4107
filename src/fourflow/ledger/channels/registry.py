"""The payment channels of this installation. Real bank adapters plug in here; until a
bank grants API access, the demo world runs on simulated channels."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Engine

from fourflow.core.breakers import PostgresBreakerStore
from fourflow.ledger.channels.port import ChannelProfile
from fourflow.ledger.channels.router import PaymentRouter, RoutingRules
from fourflow.ledger.channels.simulator import DatabasePayoutMemory, SimulatedChannel

_MAJOR = frozenset({"USD", "EUR", "GBP", "HKD"})
_CORRIDORS = frozenset({"CN", "HK", "US", "GB", "DE", "NL", "SG", "VN"})

DEMO_CHANNELS = (
    ChannelProfile("harbour-bank", Decimal("15.00"), Decimal("0.001"), 86_400, _MAJOR, _CORRIDORS),
    ChannelProfile("lotus-pay", Decimal("2.00"), Decimal("0.003"), 600,
                   frozenset({"USD", "EUR", "CNY"}), frozenset({"CN", "HK", "SG"})),
    ChannelProfile("global-wire", Decimal("25.00"), Decimal("0"), 172_800, _MAJOR, _CORRIDORS),
)
# FX control: renminbi payouts into mainland China only through the licensed institution.
DEMO_RULES = RoutingRules({("CNY", "CN"): frozenset({"lotus-pay"})})


@lru_cache(maxsize=4)
def payment_router(engine: Engine | None = None) -> PaymentRouter:
    """The router over this installation's channels, one per process and database.

    With ``engine`` (web and job workers), the breakers' state lives in the database, so every
    process sees a channel open or closed alike, and the simulated banks keep their payouts
    there, so they still know a payout after a restart. Without it, all of that stays in the
    process (scripts, unit tests)."""
    if engine is None:
        channels = [SimulatedChannel(profile, failure_rate=0.02, seed=index)
                    for index, profile in enumerate(DEMO_CHANNELS)]
        return PaymentRouter(list(channels), DEMO_RULES, timeout_seconds=5.0)
    memory = DatabasePayoutMemory(engine)
    channels = [SimulatedChannel(profile, failure_rate=0.02, seed=index, memory=memory)
                for index, profile in enumerate(DEMO_CHANNELS)]
    return PaymentRouter(list(channels), DEMO_RULES, timeout_seconds=5.0,
                         breaker_store=PostgresBreakerStore(engine, prefix="payment-channel:"))
