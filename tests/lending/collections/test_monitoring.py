"""Post-loan monitoring (monitoring@v1): the findings, hand-computed; the daily alert, once per loan
and day; an officer confirms or dismisses it with a reason, audited; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.lending.collections import service
from fourflow.lending.collections.errors import AlertAlreadyDecided, DecisionReasonMissing
from tests.helpers import sign_in
from tests.lending.collections.conftest import disbursed_loan
from tests.lending.loans.conftest import CONTEXT

D = Decimal
QUIET = service.Inputs(D("1000.00"), D("1000.00"), D("3000.00"), D("9000.00"), {"A": 100}, {"A": 100})


def test_nothing_anomalous_finds_nothing() -> None:
    assert service.findings(QUIET, "USD") == []
    # At the lines exactly: 80 % collected, half the monthly sales, 70 % of the pledged units.
    edge = service.Inputs(D("1000.00"), D("800.00"), D("1500.00"), D("9000.00"), {"A": 100}, {"A": 70})
    assert service.findings(edge, "USD") == []


def test_each_anomaly_with_its_reason_and_proposal() -> None:
    bad = service.Inputs(D("1000.00"), D("799.99"), D("1499.99"), D("9000.00"), {"A": 60, "B": 40},
                         {"A": 60, "B": 9})
    found = service.findings(bad, "USD")
    assert [(item["code"], item["proposed_action"]) for item in found] == [
        ("collections_below_forecast", "drawdown_hold"), ("sales_collapse", "limit_freeze"),
        ("pledged_stock_drop", "early_recall")]
    assert service.render_reasons(found, "en") == [
        "Collections are 80.0 % of the forecast: 799.99 USD repaid of 1000.00 USD planned.",
        "Sales of the last 30 days (1499.99 USD) are 50.0 % of the monthly average of the 90 days before "
        "(3000.00 USD).",
        "Pledged stock fell from 100 to 69 units since the disbursement."]
    assert service.render_reasons(found, "zh_Hans")[2] == "自放款以来，质押库存从 100 件降至 69 件。"


def _alert_rows(session: Session) -> tuple[int, int]:
    return (int(session.execute(text("SELECT count(*) FROM lending_monitoring_alerts")).scalar_one()),
            int(session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()))


def test_the_daily_alert_and_the_officers_decision(demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    clock.set(datetime(2026, 11, 14, 12, 0, tzinfo=UTC))
    inputs = service.monitoring_inputs(demo, loan.id, date(2026, 11, 14))
    assert (inputs.planned_due, inputs.repaid) == (D(0), D(0))  # due today: not yet expected
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    inputs = service.monitoring_inputs(demo, loan.id, date(2026, 11, 20))
    assert (inputs.planned_due, inputs.repaid) == (D("10098.63"), D(0))
    alert = service.monitor_loan(demo, CONTEXT, loan.id, date(2026, 11, 20))
    assert alert is not None
    assert alert.status == "open"
    assert alert.findings[0]["code"] == "collections_below_forecast"
    assert service.render_reasons(alert.findings, "en")[0] == (
        "Collections are 0.0 % of the forecast: 0.00 USD repaid of 10098.63 USD planned.")
    before = _alert_rows(demo)
    assert service.monitor_loan(demo, CONTEXT, loan.id, date(2026, 11, 20)) is None  # once a day
    with pytest.raises(DecisionReasonMissing):
        service.decide_alert(demo, CONTEXT, alert.id, True, " ", decided_by_user_id=None)
    assert _alert_rows(demo) == before
    assert alert.status == "open"
    decided = service.decide_alert(demo, CONTEXT, alert.id, False, "Payout delayed by the marketplace",
                                   decided_by_user_id=None)
    assert (decided.status, decided.decision_reason) == ("dismissed", "Payout delayed by the marketplace")
    with pytest.raises(AlertAlreadyDecided):
        service.decide_alert(demo, CONTEXT, alert.id, True, "changed my mind", decided_by_user_id=None)
    audited = demo.execute(text("SELECT action FROM audit_events WHERE subject_id = :s AND action LIKE "
                                "'lending:monitoring:%' ORDER BY sequence"), {"s": str(loan.id)}).scalars()
    assert audited.all() == ["lending:monitoring:alert_raised", "lending:monitoring:alert_dismissed"]


def test_alerts_through_the_api(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    alert = service.monitor_loan(demo, CONTEXT, loan.id, date(2026, 11, 20))
    assert alert is not None
    seller = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    assert client.get("/api/v1/lending/monitoring/alerts", headers=seller).status_code == 403
    refused = client.post(f"/api/v1/lending/monitoring/alerts/{alert.id}/confirm", headers=seller,
                          json={"reason": "x"})
    assert refused.status_code == 403
    client.cookies.clear()
    risk = {"X-CSRF-Token": sign_in(client, "risk@fourflow.demo")}
    listed = client.get("/api/v1/lending/monitoring/alerts", headers=risk, params={"status": "open"}).json()
    assert [(item["loan_id"], item["proposed_action"]) for item in listed["items"]
            if item["loan_id"] == str(loan.id)] == [(str(loan.id), alert.proposed_action)]
    confirmed = client.post(f"/api/v1/lending/monitoring/alerts/{alert.id}/confirm", headers=risk,
                            json={"reason": "No payout for a week"})
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["decision_reason"]) == (
        "confirmed", "No payout for a week")
    again = client.post(f"/api/v1/lending/monitoring/alerts/{alert.id}/dismiss", headers=risk,
                        json={"reason": "no"})
    assert (again.status_code, again.json()["error"]) == (409, "alert_already_decided")
