"""The payment channels of this installation. Real bank adapters plug in here; until a
bank grants API access, the demo world runs on simulated channels."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from fourflow.ledger.channels.port import ChannelProfile
from fourflow.ledger.channels.router import PaymentRouter, RoutingRules
from fourflow.ledger.channels.simulator import SimulatedChannel

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


@lru_cache(maxsize=1)
def payment_router() -> PaymentRouter:
    """One router per process: breakers protect the process that calls the channels."""
    channels = [SimulatedChannel(profile, failure_rate=0.02, seed=index)
                for index, profile in enumerate(DEMO_CHANNELS)]
    return PaymentRouter(list(channels), DEMO_RULES, timeout_seconds=5.0)
