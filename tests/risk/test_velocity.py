"""Velocity checks of the anti-fraud assessment (F16) on the database: exact counts as of the
clock's now in one round trip, and a decision after a fresh device and a fresh payout account
referred for the account-takeover pattern, stored, replayed identically and shown to risk staff."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.core.money import Money
from fourflow.risk import fraud
from fourflow.risk.models import RiskDecision
from fourflow.risk.scorecard.model import (
    NUMERIC,
    Characteristic,
    PlattCalibration,
    ScorecardModel,
    ScoreScaling,
)
from fourflow.risk.service import decisions, models, rule_sets, velocity
from fourflow.tradedata.service import profiles
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import choose_language, organisation_id, sign_in

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _account(session: Session, seller: uuid.UUID, number: str, registered_at: datetime) -> None:
    profiles.record_bank_account(session, AuditContext.system(), seller, profiles.BankAccountFacts(
        bank_name="Test Bank", country="HK", account_number=number, holder_name="Test Seller", currency="USD",
        verified=True, registered_at=registered_at))


def _device(session: Session, seller: uuid.UUID, fingerprint: str, address: str, first_seen_at: datetime,
            last_seen_at: datetime | None = None) -> None:
    profiles.record_device(session, seller, profiles.DeviceFacts(
        device_fingerprint=fingerprint, ip_address=address, user_agent="Test", first_seen_at=first_seen_at,
        last_seen_at=last_seen_at or first_seen_at))


def _decision(session: Session, seller: uuid.UUID, decided_at: datetime) -> None:
    session.add(RiskDecision(
        id=uuid.uuid4(), seller_organisation_id=seller, product="receivables_financing",
        requested_amount=Decimal(500), currency="USD", outcome="approve", grade="A", score=640,
        probability_of_default=Decimal("0.01"), limit_amount=None, annual_rate=None, inputs={}, versions={},
        outputs={}, reasons=[], requested_by_user_id=None, decided_at=decided_at))


def test_velocity_counts_as_of_now_in_one_round_trip(demo: Session, clock: FrozenClock) -> None:
    seller = uuid.UUID(organisation_id(demo, "lumen-electronics"))
    other = uuid.UUID(organisation_id(demo, "silkroad-home"))
    _account(demo, seller, "ACC-1", NOW - timedelta(days=400))           # the first: onboarding
    _account(demo, seller, "ACC-2", NOW - timedelta(days=10))            # a change, 10 days ago
    _account(demo, seller, "ACC-3", NOW - timedelta(days=31))            # before the 30 days
    _account(demo, seller, "ACC-4", NOW + timedelta(hours=1))            # after now: not yet known
    _account(demo, other, "ACC-9", NOW - timedelta(hours=1))             # another seller's
    _device(demo, seller, "a", "10.0.0.1", NOW - timedelta(days=300), NOW - timedelta(hours=2))
    _device(demo, seller, "a", "10.0.0.2", NOW - timedelta(days=3))      # known device, new address
    _device(demo, seller, "b", "10.0.0.3", NOW - timedelta(days=6), NOW - timedelta(hours=1))
    _device(demo, seller, "c", "10.0.0.4", NOW - timedelta(days=8))      # not new any more
    _device(demo, seller, "d", "10.0.0.5", NOW - timedelta(hours=23))
    _device(demo, seller, "d", "10.0.0.1", NOW - timedelta(hours=20))    # same address as device a
    _device(demo, seller, "e", "10.0.0.6", NOW + timedelta(hours=1))     # after now
    _device(demo, other, "f", "10.0.0.7", NOW - timedelta(hours=1))
    for decided_at in (NOW - timedelta(hours=1), NOW - timedelta(hours=23, minutes=59),
                       NOW - timedelta(hours=24), NOW - timedelta(days=2), NOW - timedelta(days=29),
                       NOW - timedelta(days=30), NOW + timedelta(minutes=1)):
        _decision(demo, seller, decided_at)
    _decision(demo, other, NOW - timedelta(hours=1))
    demo.flush()

    statements: list[str] = []

    def count_statement(*args: Any) -> None:
        statements.append(args[2])

    connection = demo.connection()
    event.listen(connection, "before_cursor_execute", count_statement)
    try:
        figures = velocity.seller_velocity(demo, seller)
    finally:
        event.remove(connection, "before_cursor_execute", count_statement)
    assert len(statements) == 1
    # Windows are (now - window, now]: the decision exactly 24 h ago is out of the day, the one
    # exactly 30 days ago out of the month.
    # Devices b and d are new (a was first seen 300 days ago from another address); a, b and d
    # were seen from 10.0.0.1, .3 and .5 in the last 24 h. The closest new device to the
    # changed account (10 days ago) is b, 6 days ago: 4 days apart.
    assert figures == fraud.Velocity(
        as_of="2026-10-15T12:00:00+00:00", credit_requests_24h=2, credit_requests_30d=5,
        payout_accounts_added_30d=1, days_since_newest_payout_account=10, new_devices_7d=2, sign_in_ips_24h=3,
        device_payout_gap_minutes=4 * 24 * 60)
    assert fraud.assess_fraud(figures, in_fraud_ring=False, in_circular_trading=False, ring_size=0,
                              anomaly_flagged=False).outcome == "clear"

    # A day later what was after now counts (the decision a minute later, device e and ACC-4, both
    # an hour later: 0 minutes apart), the decision 29 days ago and device b have left their windows.
    clock.advance(timedelta(days=1))
    assert velocity.seller_velocity(demo, seller) == fraud.Velocity(
        as_of="2026-10-16T12:00:00+00:00", credit_requests_24h=1, credit_requests_30d=5,
        payout_accounts_added_30d=2, days_since_newest_payout_account=0, new_devices_7d=2, sign_in_ips_24h=1,
        device_payout_gap_minutes=0)


def test_first_device_and_account_are_onboarding_not_a_takeover(demo: Session, clock: FrozenClock) -> None:
    seller = uuid.UUID(organisation_id(demo, "bright-toys"))
    _account(demo, seller, "ACC-1", NOW - timedelta(hours=5))
    _device(demo, seller, "a", "10.0.0.1", NOW - timedelta(hours=4))
    figures = velocity.seller_velocity(demo, seller)
    assert (figures.payout_accounts_added_30d, figures.new_devices_7d, figures.device_payout_gap_minutes) == (
        1, 1, None)
    nothing_known = uuid.UUID(organisation_id(demo, "silkroad-home"))
    assert velocity.seller_velocity(demo, nothing_known) == fraud.Velocity(
        as_of="2026-10-15T12:00:00+00:00", credit_requests_24h=0, credit_requests_30d=0,
        payout_accounts_added_30d=0, days_since_newest_payout_account=None, new_devices_7d=0,
        sign_in_ips_24h=0, device_payout_gap_minutes=None)


def _register_scorecard(session: Session) -> None:
    """A one-characteristic scorecard: six months of history or more is grade A (PD 1 %)."""
    model = ScorecardModel(
        (Characteristic("history_months", NUMERIC, bin_points=(0, 40), missing_points=0,
                        split_points=(6.0,)),),
        base_points=600, scaling=ScoreScaling(), calibration=PlattCalibration(27.4, -0.05))
    models.register(session, AuditContext.system(), model, {}, version="fraud-test")


def test_a_fresh_device_and_payout_account_send_a_decision_to_review(
        client: TestClient, demo: Session, clock: FrozenClock) -> None:
    load_world(demo, sellers=5, months=8, seed=3, end_month=date(2026, 10, 1), secret=TEST_SECRET_KEY)
    _register_scorecard(demo)
    rule_sets.install_defaults(demo)
    context = AuditContext.system()
    # The graph job has not run, so the decision knows of no ring: what it sees of fraud is velocity.
    seller = uuid.UUID(organisation_id(demo, "willow-electronics"))
    request = decisions.DecisionRequest(seller, "receivables_financing", Money(Decimal("500.00"), "USD"))
    first = decisions.decide(demo, context, request, requested_by_user_id=None)
    assert first.outcome == "approve"
    assert first.outputs["fraud"]["outcome"] == "clear"
    assert first.versions["fraud"] == "fraud@v1"

    # Someone signs in from a new browser and, an hour later, adds a payout account.
    clock.advance(timedelta(hours=2))
    _device(demo, seller, "ffffeeee", "203.0.113.9", NOW)
    _account(demo, seller, "HK-999-000111", NOW + timedelta(hours=1))
    clock.advance(timedelta(minutes=30))
    second = decisions.decide(demo, context, request, requested_by_user_id=None)
    assert second.outcome == "refer"
    assert second.inputs["velocity"] == {
        "as_of": "2026-10-15T14:30:00+00:00", "credit_requests_24h": 1, "credit_requests_30d": 1,
        "payout_accounts_added_30d": 1, "days_since_newest_payout_account": 0, "new_devices_7d": 1,
        "sign_in_ips_24h": 1, "device_payout_gap_minutes": 60}
    assert second.outputs["fraud"]["outcome"] == "review"
    assert [(reason["code"], reason["audience"], reason["params"]) for reason in second.reasons
            if reason["code"].startswith(("ato", "fraud", "velocity", "new_"))] == [
        ("ato_new_device_and_payout_change", "officer", {"hours": "1.0", "limit": "72"}),
        ("fraud_review", "seller", {}),
        ("new_bank_account", "seller", {}), ("new_device", "seller", {})]
    replayed = decisions.replay(demo, second.id)
    assert (replayed.identical, replayed.differences) == (True, [])
    assert decisions.replay(demo, first.id).identical

    csrf = sign_in(client, "risk@fourflow.demo")
    choose_language(client, "en", csrf)
    page = client.get(f"/risk/sellers/{seller}")
    assert page.status_code == 200
    assert "Fraud signals" in page.text
    assert "Credit requests in the last 24 hours" in page.text
    assert ("A new device and a new payout account appeared 1.0 hours apart (at most 72): "
            "the pattern of an account takeover.") in page.text
    assert '<span class="badge warning">Manual review</span>' in page.text
    assert '<span class="badge warning">1.0</span>' in page.text  # hours between device and account
