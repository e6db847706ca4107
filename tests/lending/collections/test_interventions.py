"""Confirmed post-loan monitoring actions carried out (F22): a limit freeze and a drawdown hold become
controls on the seller in the risk engine, an early recall makes everything owed due today; each
with its reasons, the officer, audited, shown to the seller in words, and undone by a risk officer
with a reason. Refused actions change nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.pagination import PageRequest
from fourflow.lending.applications import service as applications
from fourflow.lending.collections import service
from fourflow.lending.collections.errors import (
    AlertAlreadyDecided,
    LiftReasonMissing,
    LoanRecalledAlready,
    RecallLifted,
)
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.errors import LoanNotRecallable
from fourflow.notifications.mail import MailboxTransport
from fourflow.risk.service import controls, sellers
from tests.helpers import sign_in
from tests.lending import conditions_helpers
from tests.lending.collections.conftest import alert_proposing, disbursed_loan
from tests.lending.loans.conftest import CONTEXT, accepted_offer

D = Decimal
TABLES = ("lending_monitoring_alerts", "risk_seller_controls", "lending_loan_recalls", "lending_loans",
          "lending_loan_instalments", "lending_applications", "risk_decisions", "ledger_entries",
          "audit_events", "procrastinate_jobs", "mail_messages")
def rows(session: Session) -> dict[str, int]:
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES}


def _at(clock: FrozenClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


def _audited(session: Session, subject: uuid.UUID, prefix: str) -> list[str]:
    return list(session.execute(text(
        "SELECT action FROM audit_events WHERE subject_id = :s AND action LIKE :p ORDER BY sequence"),
        {"s": str(subject), "p": prefix + "%"}).scalars())


def test_a_confirmed_drawdown_hold_refuses_new_money_until_released(demo: Session,
                                                                    clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    seller = loan.seller_organisation_id
    waiting = conditions_helpers.book(demo, accepted_offer(demo, seller=seller).id, "held-2")
    draft = applications.create(demo, CONTEXT, seller, applications.ApplicationFields(
        product="order_financing", amount=D("2000.00"), currency="USD"), created_by_user_id=None)
    alert = alert_proposing(demo, loan.id, "drawdown_hold", date(2026, 10, 15))
    decided = service.decide_alert(demo, CONTEXT, alert.id, True, "Collections far below plan",
                                   decided_by_user_id=None)
    assert decided.status == "confirmed"
    [held] = controls.standing(demo, seller)
    assert (held.control, held.imposed_reason, held.source_reference, [r["code"] for r in held.reasons]) == (
        "drawdown_hold", "Collections far below plan", f"lending:monitoring-alert:{alert.id}",
        ["collections_below_forecast"])
    assert service.applied_of(demo, decided) == [{"kind": "control", "id": held.id, "standing": True}]
    assert _audited(demo, seller, "risk:seller:control") == ["risk:seller:control_imposed"]

    # The seller signs and the goods arrive while the hold stands: the conditions are met, and the
    # disbursement they would trigger is refused (audited); the loan waits.
    conditions_helpers.meet_conditions(demo, waiting)
    assert waiting.status == "awaiting_disbursement"
    assert _audited(demo, waiting.id, "lending:loan:disbursement") == ["lending:loan:disbursement_refused"]

    # Refused, with the reason in the seller's language, and nothing stored or moved.
    before = rows(demo)
    with pytest.raises(controls.DrawdownOnHold) as refused:
        loans.disburse(demo, CONTEXT, waiting.id)
    assert refused.value.localised("en") == (
        "New drawdowns are on hold for this seller since 2026-10-15: Collections far below plan A risk "
        "officer must release the hold first.")
    assert refused.value.localised("zh_Hans").startswith("自 2026-10-15 起，该卖家的新提款已暂停")
    with pytest.raises(controls.DrawdownOnHold):
        applications.submit(demo, CONTEXT, draft.id, seller, idempotency_key="held-submit",
                            requested_by_user_id=None)
    assert rows(demo) == before
    assert (waiting.status, draft.status) == ("awaiting_disbursement", "draft")
    # The risk engine sees it too.
    assert sellers.seller_facts(demo, seller).history["controls"] == ["drawdown_hold"]

    with pytest.raises(controls.ControlReasonMissing):
        service.release_control(demo, CONTEXT, held.id, "  ", released_by_user_id=None)
    assert rows(demo) == before
    released = service.release_control(demo, CONTEXT, held.id, "Payouts caught up", released_by_user_id=None)
    assert (released.release_reason, controls.standing(demo, seller)) == ("Payouts caught up", [])
    with pytest.raises(controls.SellerControlReleased):
        service.release_control(demo, CONTEXT, held.id, "again", released_by_user_id=None)
    assert loans.disburse(demo, CONTEXT, waiting.id).status == "active"
    assert _audited(demo, seller, "risk:seller:control") == [
        "risk:seller:control_imposed", "risk:seller:control_released"]


def test_a_confirmed_limit_freeze_is_a_control_the_decision_declines_on(demo: Session,
                                                                       clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    seller = loan.seller_organisation_id
    alert = alert_proposing(demo, loan.id, "limit_freeze", date(2026, 10, 15))
    service.decide_alert(demo, CONTEXT, alert.id, True, "Sales collapsed", decided_by_user_id=None)
    [frozen] = controls.standing(demo, seller)
    assert frozen.control == "limit_freeze"
    assert sellers.seller_facts(demo, seller).history["controls"] == ["limit_freeze"]
    # Shown to the seller in words, with the findings.
    [shown] = service.seller_interventions(demo, seller, "en")
    assert (shown.kind, shown.explanation, shown.reasons, shown.officer_reason) == (
        "limit_freeze", "Your credit limit is frozen: no new financing or limit increase until a risk "
        "officer lifts the freeze.",
        ["Sales of the last 30 days (1000.00 USD) are 33.3 % of the monthly average of the 90 days "
         "before (3000.00 USD)."], "Sales collapsed")
    chinese = service.seller_interventions(demo, seller, "zh_Hans")[0].explanation
    assert chinese.startswith("您的授信额度已冻结")
    # A second alert's freeze stands beside it: the decision still sees one freeze.
    second = alert_proposing(demo, loan.id, "limit_freeze", date(2026, 10, 16))
    service.decide_alert(demo, CONTEXT, second.id, True, "Still collapsing", decided_by_user_id=None)
    assert sellers.seller_facts(demo, seller).history["controls"] == ["limit_freeze"]
    for row in controls.standing(demo, seller):
        service.release_control(demo, CONTEXT, row.id, "Sales recovered", released_by_user_id=None)
    assert sellers.seller_facts(demo, seller).history["controls"] == []
    assert service.seller_interventions(demo, seller, "en") == []


def test_a_confirmed_early_recall_makes_everything_due_today(demo: Session, clock: FrozenClock) -> None:
    """The loan: 10,000.00 at 12 % for 30 days from 15 October, one instalment of 10,098.63 on
    14 November. Recalled on 25 October: interest of 15–24 October accrued first,
    10,000 × 0.12 × 10 ÷ 365 = 32.876… → 32.88; due today 10,000.00 + 32.88 = 10,032.88."""
    loan = disbursed_loan(demo)
    _at(clock, date(2026, 10, 25))
    alert = alert_proposing(demo, loan.id, "early_recall", date(2026, 10, 25))
    before = rows(demo)
    service.decide_alert(demo, CONTEXT, alert.id, True, "Pledged stock sold without consent",
                         decided_by_user_id=None)
    assert [(row.number, row.due_on, row.principal.amount, row.interest.amount, row.fees.amount)
            for row in loans.schedule(demo, loan).instalments] == [
        (1, date(2026, 10, 25), D("10000.00"), D("32.88"), D("0.00"))]
    assert (loan.maturity_on, loans.balances(demo, loan).interest.amount) == (date(2026, 10, 25), D("32.88"))
    [recall] = service.list_recalls(demo, service_page(), standing_only=True).items
    assert (recall.principal_amount, recall.interest_amount, recall.fees_amount, recall.previous_maturity_on,
            recall.recalled_reason) == (D("10000.00"), D("32.88"), D("0"), date(2026, 11, 14),
                                        "Pledged stock sold without consent")
    after = rows(demo)
    assert after["procrastinate_jobs"] - before["procrastinate_jobs"] == 1  # the seller's mail
    assert after["lending_loan_recalls"] - before["lending_loan_recalls"] == 1
    # Conditions evaluated at booking, on the countersignature and on the tracking file (the last met).
    assert _audited(demo, loan.id, "lending:") == [
        "lending:loan:booked", *["lending:loan:conditions_evaluated"] * 3, "lending:loan:disbursed",
        "lending:monitoring:alert_confirmed",
        "lending:loan:interest_accrued", "lending:loan:recalled", "lending:monitoring:early_recall"]
    # Due today is not late yet; the seller reads it in words.
    assert service.loan_delinquency(demo, loan).delinquency.days_past_due == 0
    [shown] = service.seller_interventions(demo, loan.seller_organisation_id, "en")
    assert shown.explanation == ("Your loan was recalled early: 10032.88 USD fell due on 2026-10-25. Please "
                                 "repay it, or talk to us.")

    # Mailed to Lumen's two people in their language (Chinese), once.
    assert service.send_recall_notice(demo, MailboxTransport(), recall.id) == 2
    mails = demo.execute(text("SELECT subject, language FROM mail_messages WHERE idempotency_key LIKE :k"),
                         {"k": f"collections:recall:{recall.id}:%"}).all()
    assert [tuple(row) for row in mails] == [
        ("您的 Fourflow 贷款已被提前收回：今日到期 10032.88 USD", "zh_Hans")] * 2
    sent = rows(demo)
    assert service.send_recall_notice(demo, MailboxTransport(), recall.id) == 2
    assert rows(demo) == sent

    # A second recall of the loan, or confirming it again, is refused and changes nothing.
    again = alert_proposing(demo, loan.id, "early_recall", date(2026, 10, 26))
    held = rows(demo)
    with pytest.raises(LoanRecalledAlready):
        service.decide_alert(demo, CONTEXT, again.id, True, "again", decided_by_user_id=None)
    with pytest.raises(AlertAlreadyDecided):
        service.decide_alert(demo, CONTEXT, alert.id, True, "again", decided_by_user_id=None)
    assert rows(demo) == held
    assert again.status == "open"

    # The next day it is past due and the collections run takes it up.
    _at(clock, date(2026, 10, 26))
    created = service.collect_loan(demo, CONTEXT, loan.id, date(2026, 10, 26))
    assert [(action.action, action.days_past_due, action.overdue_amount) for action in created] == [
        ("reminder", 1, D("10032.88"))]

    # Lifted: the plan before the recall is back, and accrual catches up on the days in between.
    with pytest.raises(LiftReasonMissing):
        service.lift_recall(demo, CONTEXT, recall.id, "", lifted_by_user_id=None)
    lifted = service.lift_recall(demo, CONTEXT, recall.id, "Stock returned to the warehouse",
                                 lifted_by_user_id=None)
    assert lifted.lift_reason == "Stock returned to the warehouse"
    assert [(row.due_on, row.total.amount) for row in loans.schedule(demo, loan).instalments] == [
        (date(2026, 11, 14), D("10098.63"))]
    assert loan.maturity_on == date(2026, 11, 14)
    assert service.loan_delinquency(demo, loan).delinquency.days_past_due == 0
    assert service.send_recall_notice(demo, MailboxTransport(), recall.id) == 0  # lifted: no mail
    with pytest.raises(RecallLifted):
        service.lift_recall(demo, CONTEXT, recall.id, "again", lifted_by_user_id=None)
    _at(clock, date(2026, 11, 14))
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2026, 11, 13))
    assert loans.balances(demo, loan).interest.amount == D("98.63")  # the whole contract's interest
    assert service.seller_interventions(demo, loan.seller_organisation_id, "en") == []


def test_recalling_a_loan_that_is_no_longer_active_is_refused_and_changes_nothing(
        demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    _at(clock, date(2026, 10, 20))
    alert = alert_proposing(demo, loan.id, "early_recall", date(2026, 10, 20))
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("20000.00"), "USD", "repaid-in-full")
    assert loan.status == "closed"
    before = rows(demo)
    with pytest.raises(LoanNotRecallable) as refused:
        service.decide_alert(demo, CONTEXT, alert.id, True, "Stock gone", decided_by_user_id=None)
    assert refused.value.localised("en") == "Only an active loan can be recalled; this one is closed."
    assert rows(demo) == before
    assert alert.status == "open"
    # Dismissing it is still possible.
    dismissed = service.decide_alert(demo, CONTEXT, alert.id, False, "Repaid", decided_by_user_id=None)
    assert dismissed.status == "dismissed"


def service_page() -> PageRequest:
    return PageRequest(page=1, page_size=20)


def test_interventions_through_the_api(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    alert = alert_proposing(demo, loan.id, "drawdown_hold", date(2026, 10, 15))
    seller = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    assert client.get("/api/v1/lending/interventions", headers=seller).json() == []
    client.cookies.clear()
    risk = {"X-CSRF-Token": sign_in(client, "risk@fourflow.demo")}
    confirmed = client.post(f"/api/v1/lending/monitoring/alerts/{alert.id}/confirm", headers=risk,
                            json={"reason": "Collections far below plan"})
    assert confirmed.status_code == 200, confirmed.text
    [applied] = confirmed.json()["applied"]
    assert (applied["kind"], applied["standing"]) == ("control", True)
    listed = client.get("/api/v1/lending/monitoring/controls", headers=risk, params={"standing": True}).json()
    assert [(item["id"], item["control"], item["imposed_reason"]) for item in listed["items"]] == [
        (applied["id"], "drawdown_hold", "Collections far below plan")]
    client.cookies.clear()
    seller = {"X-CSRF-Token": sign_in(client, "owner@lumen.demo")}
    shown = client.get("/api/v1/lending/interventions", headers=seller).json()
    assert [(item["kind"], item["officer_reason"]) for item in shown] == [
        ("drawdown_hold", "Collections far below plan")]
    refused = client.post(f"/api/v1/lending/monitoring/controls/{applied['id']}/release", headers=seller,
                          json={"reason": "please"})
    assert refused.status_code == 403
    client.cookies.clear()
    risk = {"X-CSRF-Token": sign_in(client, "risk@fourflow.demo")}
    empty = client.post(f"/api/v1/lending/monitoring/controls/{applied['id']}/release", headers=risk,
                        json={"reason": " "})
    assert (empty.status_code, empty.json()["error"], empty.json()["detail"]["field"]) == (
        422, "control_reason_missing", "reason")
    released = client.post(f"/api/v1/lending/monitoring/controls/{applied['id']}/release", headers=risk,
                           json={"reason": "Payouts caught up"})
    assert (released.status_code, released.json()["standing"], released.json()["release_reason"]) == (
        200, False, "Payouts caught up")
    missing = client.post(f"/api/v1/lending/monitoring/recalls/{uuid.uuid4()}/lift", headers=risk,
                          json={"reason": "x"})
    assert (missing.status_code, missing.json()["error"]) == (404, "recall_not_found")
