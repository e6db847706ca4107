"""Application fixtures: a small simulated world whose sellers the risk engine can decide on (a
one-characteristic scorecard and the shipped rule sets), on a frozen clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, set_clock
from fourflow.risk.scorecard.model import (
    NUMERIC,
    Characteristic,
    PlattCalibration,
    ScorecardModel,
    ScoreScaling,
)
from fourflow.risk.service import models, rule_sets
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import choose_language, organisation_id, sign_in

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
# In this world (5 sellers, 8 months, seed 3) willow-electronics sells about 12,700 USD a month with
# steady payouts (receivables financing: approved up to its per-transaction limit of 14,031 USD,
# referred above it); bright-toys sells too little and is declined.
APPROVED_SELLER = "willow-electronics"
DECLINED_SELLER = "bright-toys"
DECLINED_SELLER_OWNER = "owner@brighttoys.demo"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def prepare_world(session: Session) -> None:
    load_world(session, sellers=5, months=8, seed=3, end_month=date(2026, 10, 1), secret=TEST_SECRET_KEY)
    register_scorecard(session)
    rule_sets.install_defaults(session)


def register_scorecard(session: Session) -> None:
    """Six months of history or more is grade A (PD 1 %)."""
    model = ScorecardModel(
        (Characteristic("history_months", NUMERIC, bin_points=(0, 40), missing_points=0,
                        split_points=(6.0,)),),
        base_points=600, scaling=ScoreScaling(), calibration=PlattCalibration(27.4, -0.05))
    models.register(session, AuditContext.system(), model, {}, version="applications-test")


@pytest.fixture
def world(demo: Session, clock: FrozenClock) -> Session:
    prepare_world(demo)
    demo.flush()
    return demo


def seller_id(session: Session, slug: str) -> uuid.UUID:
    return uuid.UUID(organisation_id(session, slug))


def signed_in(client: TestClient, email: str, session: Session | None = None) -> dict[str, str]:
    """Headers for a signed-in user answering in English. With ``session``, the browser they signed
    in with is one their seller has used for a month (a device first seen this week refers every
    credit decision to a person, by the policy rules)."""
    csrf = sign_in(client, email)
    choose_language(client, "en", csrf)
    if session is not None:
        session.execute(text(
            "UPDATE trade_seller_devices SET first_seen_at = first_seen_at - interval '30 days'"))
    return {"X-CSRF-Token": csrf}
