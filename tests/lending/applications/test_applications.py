"""Applications end to end through the API on a simulated world: prefill and recommendation, draft
with autosave, submission to the risk engine (offer, manual review, decline), idempotent resubmission,
offers accepted or declined before they expire, every change audited; bad input refused with a
localised error naming the field and nothing changed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from tests.helpers import choose_language, count
from tests.lending.applications.conftest import (
    APPROVED_SELLER,
    DECLINED_SELLER_OWNER,
    seller_id,
    signed_in,
)

APPLICATIONS = "/api/v1/lending/applications"
TABLES = ("lending_applications", "lending_offers", "risk_decisions", "audit_events")


def _counts(session: Session) -> dict[str, int]:
    return {table: count(session, table) for table in TABLES}


def _actions(session: Session, subject_id: str) -> list[str]:
    return list(session.execute(text(
        "SELECT action FROM audit_events WHERE subject_id = :subject ORDER BY sequence"),
        {"subject": subject_id}).scalars())


def _draft(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"product": "receivables_financing", "amount": "5000.00", "currency": "USD", **fields}
    response = client.post(APPLICATIONS, headers=headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_prefill_recommends_a_product_with_the_reason(client: TestClient, world: Session) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    steady = client.get(f"{APPLICATIONS}/prefill", headers=headers)
    assert steady.status_code == 200, steady.text
    # July to September 2026: sales 12,441.32 + 13,220.18 + 12,522.38 and payouts 10,913.82 +
    # 12,457.76 + 11,566.98, averaged and rounded down; 90 % of the payouts is suggested.
    assert steady.json() == {
        "currency": "USD", "months": 3, "average_monthly_sales": "12727", "average_monthly_payouts": "11646",
        "stock_value": "0.00", "recommended_product": "receivables_financing",
        "reason": "Your marketplace payouts arrived steadily in each of the last 3 months (11646 USD a month "
                  "on average): receivables financing advances them.",
        "suggested_amount": "10481", "suggested_tenor_days": 90}
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.cookies.clear()
    headers = signed_in(client, DECLINED_SELLER_OWNER, world)
    # Payouts of 105.13, 68.57 and 18.78: the last is under half their average, so not steady.
    uneven = client.get(f"{APPLICATIONS}/prefill", headers=headers).json()
    assert (uneven["recommended_product"], uneven["average_monthly_sales"], uneven["suggested_amount"],
            uneven["suggested_tenor_days"]) == ("order_financing", "263", "210", 90)
    assert uneven["reason"].startswith("You have sales (263 USD a month on average)")


def test_an_approved_application_gets_an_offer_once(client: TestClient, world: Session,
                                                    clock: FrozenClock) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    draft = _draft(client, headers, amount="4000.00", purpose="Restock for the holiday season")
    assert (draft["status"], draft["tenor_days"], draft["products_version"], draft["offer"]) == (
        "draft", 90, "products@v1", None)
    # Autosave: only what is sent changes; null empties a field.
    saved = client.patch(f"{APPLICATIONS}/{draft['id']}", headers=headers,
                         json={"amount": "5000.00", "purpose": None})
    assert saved.status_code == 200, saved.text
    assert (saved.json()["amount"], saved.json()["purpose"], saved.json()["currency"]) == (
        "5000.00", None, "USD")

    decisions_before = count(world, "risk_decisions")
    key = {"Idempotency-Key": "submit-willow-1"}
    submitted = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers={**headers, **key})
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    offer = body["offer"]
    assert body["status"] == "offered"
    assert count(world, "risk_decisions") == decisions_before + 1
    # The decision's rate (grade A) on 5,000 USD for 90 days, repaid from payouts with a minimum every
    # 30 days; the fee (0.5 %) is netted from the proceeds, so the APR exceeds the rate: 4,975 drawn,
    # 1,715.15, 1,698.98 and 1,682.84 repaid after 30, 60 and 90 days solve to 15.96 % a year.
    assert {name: offer[name] for name in (
        "product", "amount", "currency", "tenor_days", "annual_rate", "annual_percentage_rate",
        "origination_fee", "disbursed_amount", "repayment_method", "status", "expires_at")} == {
        "product": "receivables_financing", "amount": "5000.00", "currency": "USD", "tenor_days": 90,
        "annual_rate": "0.117983", "annual_percentage_rate": "0.1596", "origination_fee": "25.00",
        "disbursed_amount": "4975.00", "repayment_method": "payout_sweep", "status": "open",
        "expires_at": "2026-10-22T12:00:00Z"}
    assert [(row["due_on"], row["principal"]["amount"], row["interest"]["amount"])
            for row in offer["schedule"]["instalments"]] == [
        ("2026-11-14", "1666.66", "48.49"), ("2026-12-14", "1666.66", "32.32"),
        ("2027-01-13", "1666.68", "16.16")]
    assert offer["decision_id"] == body["decision_id"]

    # The same key again: the same answer, no second decision.
    again = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers={**headers, **key})
    assert (again.status_code, again.json()["offer"]["id"]) == (200, offer["id"])
    before = _counts(world)
    other = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers)
    assert (other.status_code, other.json()["error"]) == (409, "application_not_draft")
    edit = client.patch(f"{APPLICATIONS}/{draft['id']}", headers=headers, json={"amount": "1.00"})
    assert (edit.status_code, edit.json()["error"]) == (409, "application_not_draft")
    assert _counts(world) == before

    listed = client.get("/api/v1/lending/offers", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [offer["id"]]
    clock.advance(timedelta(days=6, hours=23))
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo")  # sessions last 12 hours
    accepted = client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["responded_at"]) == (
        "accepted", "2026-10-22T11:00:00Z")
    before = _counts(world)
    twice = client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers)
    assert (twice.status_code, twice.json()["error"]) == (409, "offer_not_open")
    assert twice.json()["detail"] == "This offer has been accepted already."
    assert _counts(world) == before

    assert _actions(world, draft["id"]) == [
        "lending:application:created", "lending:application:updated", "lending:application:submitted"]
    assert _actions(world, offer["id"]) == ["lending:offer:made", "lending:offer:accepted"]
    assert _actions(world, body["decision_id"]) == ["risk:decision:made"]


def test_an_expired_offer_cannot_be_accepted(client: TestClient, world: Session, clock: FrozenClock) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    draft = _draft(client, headers)
    offer = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers).json()["offer"]
    clock.advance(timedelta(days=7))
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo")  # sessions last 12 hours
    before = _counts(world)
    expired = client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers)
    assert (expired.status_code, expired.json()) == (409, {
        "error": "offer_expired",
        "detail": "This offer expired on 2026-10-22T12:00+00:00; submit a new application."})
    declined = client.post(f"/api/v1/lending/offers/{offer['id']}/decline", headers=headers)
    assert (declined.status_code, declined.json()["error"]) == (409, "offer_expired")
    assert _counts(world) == before
    shown = client.get(f"/api/v1/lending/offers/{offer['id']}", headers=headers).json()
    assert shown["status"] == "expired"
    stored = world.execute(text("SELECT status FROM lending_offers WHERE id = :id"), {"id": offer["id"]})
    assert stored.scalar_one() == "open"


def test_a_declined_offer_stays_declined(client: TestClient, world: Session) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    draft = _draft(client, headers)
    offer = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers).json()["offer"]
    declined = client.post(f"/api/v1/lending/offers/{offer['id']}/decline", headers=headers)
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    before = _counts(world)
    accepted = client.post(f"/api/v1/lending/offers/{offer['id']}/accept", headers=headers)
    assert (accepted.status_code, accepted.json()["error"]) == (409, "offer_not_open")
    assert _counts(world) == before
    assert _actions(world, offer["id"]) == ["lending:offer:made", "lending:offer:declined"]


def test_a_declined_application_shows_the_seller_reasons(client: TestClient, world: Session) -> None:
    headers = signed_in(client, DECLINED_SELLER_OWNER, world)
    draft = _draft(client, headers, amount="500.00")
    submitted = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert (body["status"], body["offer"]) == ("declined", None)
    assert [reason["code"] for reason in body["decline_reasons"]] == [
        "sales_below_minimum", "per_transaction_limit_exceeded"]
    assert all(reason["text"] for reason in body["decline_reasons"])
    assert count(world, "lending_offers") == 0


def test_a_referred_application_is_decided_by_a_risk_officer(client: TestClient, world: Session) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    # Over the per-transaction limit (14,031 USD): referred to a person.
    large = _draft(client, headers, amount="50000.00")
    other = _draft(client, headers, amount="40000.00")
    for draft in (large, other):
        submitted = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers)
        assert (submitted.json()["status"], submitted.json()["offer"]) == ("in_review", None)
    sellers_view = client.get(f"{APPLICATIONS}/{large['id']}", headers=headers).json()
    assert "review_reason" not in sellers_view
    queue_as_seller = client.get("/api/v1/lending/review-queue", headers=headers)
    assert (queue_as_seller.status_code, queue_as_seller.json()["error"]) == (403, "permission_denied")
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.cookies.clear()

    officer = signed_in(client, "risk@fourflow.demo")
    queue = client.get("/api/v1/lending/review-queue", headers=officer).json()
    assert sorted(item["id"] for item in queue["items"]) == sorted([large["id"], other["id"]])
    approve = f"/api/v1/lending/review-queue/{large['id']}/approve"
    before = _counts(world)
    over = client.post(approve, headers=officer, json={"reason": "Strong payouts", "amount": "14031.01"})
    assert (over.status_code, over.json()) == (422, {"error": "amount_over_limit", "detail": {
        "message": "The amount is over the credit limit of 14031.00 USD.", "field": "amount"}})
    no_reason = client.post(approve, headers=officer, json={"reason": "  ", "amount": "14000.00"})
    assert (no_reason.status_code, no_reason.json()["error"]) == (422, "review_reason_missing")
    assert _counts(world) == before

    approved = client.post(approve, headers=officer, json={"reason": "Strong payouts", "amount": "14000.00"})
    assert approved.status_code == 200, approved.text
    reviewed = approved.json()
    assert (reviewed["status"], reviewed["review_reason"], reviewed["offer"]["amount"],
            reviewed["offer"]["annual_rate"], reviewed["offer"]["origination_fee"]) == (
        "offered", "Strong payouts", "14000.00", "0.117983", "70.00")
    declined = client.post(f"/api/v1/lending/review-queue/{other['id']}/decline", headers=officer,
                           json={"reason": "Too large for the seller's history"})
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["review_reason"]) == (
        "declined", "Too large for the seller's history")
    before = _counts(world)
    again = client.post(approve, headers=officer, json={"reason": "Again"})
    assert (again.status_code, again.json()["error"]) == (409, "application_not_in_review")
    assert _counts(world) == before
    # Staff read every seller's applications; the seller reads why without the officer's words.
    everyone = client.get(APPLICATIONS, headers=officer).json()
    assert everyone["total"] == 2
    assert _actions(world, other["id"])[-1] == "lending:application:declined_on_review"
    client.post("/logout", data={"csrf_token": officer["X-CSRF-Token"]})
    client.cookies.clear()
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    seen = client.get(f"{APPLICATIONS}/{other['id']}", headers=headers).json()
    assert seen["decline_reasons"] == [{
        "code": "declined_on_review", "text": "A risk officer reviewed the application and declined it."}]


def test_bad_input_is_refused_and_changes_nothing(client: TestClient, world: Session) -> None:
    headers = {**signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)}
    draft = _draft(client, headers)
    before = _counts(world)
    cases = [
        ({"product": "payday_loan"}, "product_unknown", "product",
         "payday_loan is not a financing product; choose one of: order_financing, receivables_financing, "
         "inventory_financing, revolving_credit_line."),
        ({"product": "order_financing", "amount": "0"}, "amount_not_positive", "amount",
         "The amount must be greater than zero."),
        ({"product": "order_financing", "amount": "-5.00"}, "amount_not_positive", "amount",
         "The amount must be greater than zero."),
        ({"product": "order_financing", "currency": "CNY"}, "currency_not_allowed", "currency",
         "order_financing is lent in USD, EUR, GBP only, not in CNY."),
        ({"product": "order_financing", "currency": "XYZ"}, "validation_failed", "currency",
         "Unknown currency code XYZ."),
        ({"product": "order_financing", "tenor_days": 10}, "tenor_out_of_bounds", "tenor_days",
         "The term of order_financing must be between 30 and 120 days."),
        ({"product": "inventory_financing", "tenor_days": 181}, "tenor_out_of_bounds", "tenor_days",
         "The term of inventory_financing must be between 60 and 180 days."),
    ]
    for body, code, field, message in cases:
        created = client.post(APPLICATIONS, headers=headers, json=body)
        assert (created.status_code, created.json()) == (422, {
            "error": code, "detail": {"message": message, "field": field}}), body
        patched = client.patch(f"{APPLICATIONS}/{draft['id']}", headers=headers, json=body)
        assert (patched.status_code, patched.json()["error"]) == (422, code), body
    # A draft's tenor is checked against the product it is switched to.
    switched = client.patch(f"{APPLICATIONS}/{draft['id']}", headers=headers,
                            json={"product": "inventory_financing", "tenor_days": 30})
    assert switched.json()["error"] == "tenor_out_of_bounds"
    assert _counts(world) == before
    stored = world.execute(text("SELECT product, amount, tenor_days FROM lending_applications "
                                "WHERE id = :id"), {"id": draft["id"]}).one()
    assert (stored.product, str(stored.amount), stored.tenor_days) == (
        "receivables_financing", "5000.0000", 90)

    incomplete = _draft(client, headers, amount=None)
    before = _counts(world)
    submitted = client.post(f"{APPLICATIONS}/{incomplete['id']}/submit", headers=headers)
    assert (submitted.status_code, submitted.json()) == (422, {"error": "application_incomplete", "detail": {
        "message": "Fill in amount before submitting.", "field": "amount"}})
    assert _counts(world) == before
    # In Chinese for a reader who chose it.
    choose_language(client, "zh_Hans", headers["X-CSRF-Token"])
    chinese = client.post(APPLICATIONS, headers=headers,
                          json={"product": "order_financing", "tenor_days": 10})
    assert chinese.json()["detail"]["message"] == "order_financing 的期限必须在 30 到 120 天之间。"


def test_sellers_see_only_their_own_applications(client: TestClient, world: Session) -> None:
    headers = signed_in(client, f"owner@{APPROVED_SELLER}.demo", world)
    draft = _draft(client, headers)
    offer = client.post(f"{APPLICATIONS}/{draft['id']}/submit", headers=headers).json()["offer"]
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.cookies.clear()
    other = signed_in(client, "owner@lumen.demo")
    assert client.get(APPLICATIONS, headers=other).json()["total"] == 0
    assert client.get("/api/v1/lending/offers", headers=other).json()["total"] == 0
    before = _counts(world)
    for method, url in (("GET", f"{APPLICATIONS}/{draft['id']}"), ("PATCH", f"{APPLICATIONS}/{draft['id']}"),
                        ("POST", f"{APPLICATIONS}/{draft['id']}/submit"),
                        ("GET", f"/api/v1/lending/offers/{offer['id']}"),
                        ("POST", f"/api/v1/lending/offers/{offer['id']}/accept")):
        response = client.request(method, url, headers=other)
        assert response.status_code == 404, (method, url, response.text)
    assert _counts(world) == before
    assert seller_id(world, APPROVED_SELLER) != seller_id(world, "lumen-electronics")
