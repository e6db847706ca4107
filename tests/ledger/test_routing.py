from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fourflow.core.clock import FrozenClock
from fourflow.core.resilience import BreakerState
from fourflow.ledger.channels.port import ChannelProfile, PayoutInstruction, PayoutState
from fourflow.ledger.channels.router import PaymentRouter, RoutingRules, RoutingState
from fourflow.ledger.channels.simulator import SimulatedChannel


def _channel(name: str, fixed: str, percentage: str, seconds: int, currencies: set[str],
             countries: set[str], **behaviour: float) -> SimulatedChannel:
    return SimulatedChannel(ChannelProfile(name, Decimal(fixed), Decimal(percentage), seconds,
                                           frozenset(currencies), frozenset(countries)), **behaviour)


def _payout(key: str = "payout-1", amount: str = "10000.00", currency: str = "USD",
            country: str = "CN") -> PayoutInstruction:
    return PayoutInstruction(key, Decimal(amount), currency, "Shenzhen Parts Co.", "CN1234567890",
                             country, "PO-2026-118")


def test_cheapest_eligible_channel_wins() -> None:
    wire = _channel("global-wire", "25", "0", 172800, {"USD", "EUR"}, {"CN", "US", "DE"})
    lotus = _channel("lotus-pay", "2", "0.003", 600, {"USD", "CNY"}, {"CN", "HK"})
    harbour = _channel("harbour-bank", "15", "0.001", 86400, {"USD", "HKD"}, {"HK", "CN"})
    router = PaymentRouter([wire, lotus, harbour])
    # 10,000 USD: lotus 32.00, harbour 25.00, wire 25.00 (same fee: the faster harbour first)
    assert [(c.profile.name, fee) for c, fee in router.candidates(_payout())] == [
        ("harbour-bank", Decimal("25.00000")), ("global-wire", Decimal("25")),
        ("lotus-pay", Decimal("32.00000"))]
    outcome = router.send(_payout())
    assert (outcome.state, outcome.channel) == (RoutingState.SENT, "harbour-bank")
    assert outcome.receipt is not None
    assert outcome.receipt.fee == Decimal("25.00000")


def test_compliance_rules_limit_fx_controlled_corridors() -> None:
    lotus = _channel("lotus-pay", "2", "0.003", 600, {"CNY"}, {"CN"})
    wire = _channel("global-wire", "1", "0", 172800, {"CNY"}, {"CN"})
    rules = RoutingRules({("CNY", "CN"): frozenset({"lotus-pay"})})
    router = PaymentRouter([lotus, wire], rules)
    outcome = router.send(_payout(currency="CNY"))
    assert outcome.channel == "lotus-pay"
    assert wire.sent_count == 0


def test_fails_over_and_the_breaker_opens_then_recovers() -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 10, tzinfo=UTC))
    broken = _channel("harbour-bank", "1", "0", 60, {"USD"}, {"CN"}, failure_rate=1.0)
    backup = _channel("global-wire", "25", "0", 60, {"USD"}, {"CN"})
    router = PaymentRouter([broken, backup], failure_threshold=2, reset_after=timedelta(minutes=1),
                           clock=clock)
    outcomes = [router.send(_payout(key=f"p-{i}")) for i in range(3)]
    assert [o.channel for o in outcomes] == ["global-wire"] * 3
    assert [a.outcome for a in outcomes[0].attempts] == ["unavailable", "accepted"]
    assert [a.outcome for a in outcomes[2].attempts] == ["circuit_open", "accepted"]
    assert router.breakers["harbour-bank"].state is BreakerState.OPEN
    broken.failure_rate = 0.0
    clock.advance(timedelta(minutes=1))
    assert router.send(_payout(key="p-after")).channel == "harbour-bank"
    assert router.breakers["harbour-bank"].state is BreakerState.CLOSED


def test_an_unknown_outcome_is_never_sent_elsewhere_and_resolves_by_status() -> None:
    slow = _channel("harbour-bank", "1", "0", 60, {"USD"}, {"CN"}, lost_answer_rate=1.0)
    backup = _channel("global-wire", "25", "0", 60, {"USD"}, {"CN"})
    router = PaymentRouter([slow, backup], timeout_seconds=0.2)
    outcome = router.send(_payout(key="lost-1"))
    assert (outcome.state, outcome.channel) == (RoutingState.UNKNOWN, "harbour-bank")
    assert backup.sent_count == 0
    status = router.status("harbour-bank", "lost-1")
    assert status.state is PayoutState.SETTLED
    assert slow.sent_count == 1


def test_rejected_everywhere_fails_without_paying() -> None:
    only = _channel("harbour-bank", "1", "0", 60, {"USD"}, {"HK"})
    outcome = PaymentRouter([only]).send(_payout(country="CN"))
    assert (outcome.state, outcome.attempts) == (RoutingState.FAILED, ())
