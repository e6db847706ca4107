"""The seller's Financing page (products, prefill and recommendation, a form that autosaves the draft
and checks it as the seller types, submission to an offer, accepting it, the list of applications)
and the risk officer's review queue, on a small simulated world."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from tests.helpers import choose_language, count, sign_in
from tests.lending.applications.conftest import (
    APPROVED_SELLER,
    DECLINED_SELLER_OWNER,
    NOW,
    prepare_world,
    signed_in,
)

SELLER = f"owner@{APPROVED_SELLER}.demo"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


@pytest.fixture
def world(demo: Session, clock: FrozenClock) -> Session:
    """The applications tests' world: willow-electronics is lent to, bright-toys is declined."""
    prepare_world(demo)
    demo.flush()
    return demo


def _form(page: str) -> dict[str, str]:
    """The application form's fields as the page renders them."""
    fields = dict(re.findall(r'<input type="hidden" (?:id="[^"]*" )?name="([a-z_]+)" value="([^"]*)"', page))
    amount = re.search(r'id="application-amount" name="amount"[^>]*value="([^"]*)"', page)
    tenor = re.search(r'id="application-tenor" name="tenor_days"[^>]*value="([^"]*)"', page)
    product = re.search(r'<option value="([a-z_]+)" selected>', page)
    assert amount is not None
    assert tenor is not None
    assert product is not None
    return {**fields, "product": product.group(1), "amount": amount.group(1), "currency": "USD",
            "tenor_days": tenor.group(1), "purpose": "", "payee": ""}


def _application_id(fragment: str) -> str:
    found = re.search(r'id="application-id" name="application_id" value="([^"]*)"', fragment)
    assert found is not None
    return found.group(1)


def _feedback(fragment: str, field: str) -> str:
    found = re.search(rf'id="feedback-{field}"[^>]*>([^<]*)</p>', fragment)
    assert found is not None
    return found.group(1).strip()


def test_the_page_shows_products_prefill_and_the_recommendation(client: TestClient, world: Session) -> None:
    signed_in(client, SELLER, world)
    page = client.get("/financing")
    assert page.status_code == 200
    assert 'aria-current="page">Financing</a>' in page.text
    for name in ("Order financing", "Receivables financing", "Inventory financing", "Revolving credit line"):
        assert name in page.text
    assert "12,727" in page.text  # sales a month
    assert "11,646" in page.text  # payouts a month
    assert "Recommended for you" in page.text
    assert "Your marketplace payouts arrived steadily" in page.text
    form = _form(page.text)
    assert (form["product"], form["amount"], form["tenor_days"], form["application_id"]) == (
        "receivables_financing", "10481", "90", "")
    assert "No applications yet" in page.text


def test_autosave_creates_then_changes_the_draft(client: TestClient, world: Session) -> None:
    headers = signed_in(client, SELLER, world)
    form = _form(client.get("/financing").text)
    saved = client.post("/financing/draft", data={**form, "amount": "4000"}, headers=headers)
    assert saved.status_code == 200
    assert "Draft saved at" in saved.text
    application_id = _application_id(saved.text)
    again = client.post("/financing/draft", headers=headers, data={
        **form, "application_id": application_id, "amount": "4500.50", "purpose": "Restock"})
    assert _application_id(again.text) == application_id
    stored = world.execute(text("SELECT amount, purpose, status FROM lending_applications WHERE id = :id"),
                           {"id": application_id}).one()
    assert (str(stored.amount), stored.purpose, stored.status) == ("4500.5000", "Restock", "draft")
    assert count(world, "lending_applications") == 1
    # Coming back, the seller finds the draft where they left it.
    assert _form(client.get("/financing").text)["application_id"] == application_id


def test_live_validation_names_the_field_in_english_and_chinese(client: TestClient, world: Session) -> None:
    headers = signed_in(client, SELLER, world)
    form = _form(client.get("/financing").text)
    tenor = client.post("/financing/draft", data={**form, "tenor_days": "400"}, headers=headers)
    assert _feedback(tenor.text, "tenor_days") == (
        "Term (days): The term of Receivables financing must be between 30 and 180 days.")
    assert count(world, "lending_applications") == 0  # nothing invalid is saved
    amount = client.post("/financing/draft", data={**form, "amount": "-5"}, headers=headers)
    assert _feedback(amount.text, "amount") == "Amount: The amount must be greater than zero."
    typo = client.post("/financing/draft", data={**form, "amount": "12x"}, headers=headers)
    assert _feedback(typo.text, "amount") == "Amount: Enter the amount as a number, e.g. 5000.00."
    choose_language(client, "zh_Hans", headers["X-CSRF-Token"])
    chinese = client.post("/financing/draft", data={**form, "amount": "-5"}, headers=headers)
    assert _feedback(chinese.text, "amount").startswith("金额：")
    chinese_tenor = client.post("/financing/draft", data={**form, "tenor_days": "400"}, headers=headers)
    assert _feedback(chinese_tenor.text, "tenor_days").startswith("期限（天）：")
    assert "应收账款融资" in _feedback(chinese_tenor.text, "tenor_days")


def test_submit_shows_the_offer_and_accepting_it_works(client: TestClient, world: Session,
                                                       clock: FrozenClock) -> None:
    headers = signed_in(client, SELLER, world)
    form = _form(client.get("/financing").text)
    submitted = client.post("/financing/submit", data={**form, "amount": "5000.00", "purpose": "Stock"},
                            headers=headers, follow_redirects=False)
    assert submitted.status_code == 303, submitted.text
    offer_page = client.get(submitted.headers["location"])
    assert "Your offer" in offer_page.text
    assert "5,000.00 USD" in offer_page.text
    assert "11.80 %" in offer_page.text  # the annual rate
    assert "15.96 %" in offer_page.text  # the APR, the fee included
    assert "25.00 USD" in offer_page.text  # the fee
    assert "2026-10-22 12:00" in offer_page.text  # valid for a week
    assert re.findall(r"<td class=\"date\">([0-9-]{10})</td>", offer_page.text) == [
        "2026-11-14", "2026-12-14", "2027-01-13"]
    accept = re.search(r'action="(/financing/offers/[^/]+/accept)"', offer_page.text)
    assert accept is not None
    accepted = client.post(accept.group(1), data={"csrf_token": headers["X-CSRF-Token"]},
                           follow_redirects=False)
    assert accepted.status_code == 303
    after = client.get(accepted.headers["location"])
    assert "You accepted this offer" in after.text
    assert 'id="accept-offer"' not in after.text
    assert world.execute(text("SELECT status FROM lending_offers")).scalar_one() == "accepted"
    # Accepting twice is refused, in words.
    twice = client.post(accept.group(1), data={"csrf_token": headers["X-CSRF-Token"]})
    assert twice.status_code == 409
    assert "This offer has been accepted already." in twice.text


def test_over_the_credit_limit_is_flagged_as_the_seller_types(client: TestClient, world: Session) -> None:
    headers = signed_in(client, SELLER, world)
    form = _form(client.get("/financing").text)
    client.post("/financing/submit", data={**form, "amount": "5000.00"}, headers=headers)
    # The decision's per-drawing limit is 14,031 USD: a larger amount goes to a risk officer.
    form = _form(client.get("/financing").text)
    over = client.post("/financing/draft", data={**form, "amount": "20000"}, headers=headers)
    assert "Draft saved" in over.text
    assert _feedback(over.text, "amount") == (
        "Amount: 20,000.00 USD is over your credit limit of 14,031.00 USD: a risk officer will review the "
        "application before any offer.")
    under = client.post("/financing/draft", data={**form, "application_id": _application_id(over.text),
                                                  "amount": "9000"}, headers=headers)
    assert _feedback(under.text, "amount") == ""


def test_a_declined_application_shows_the_reasons(client: TestClient, world: Session) -> None:
    headers = signed_in(client, DECLINED_SELLER_OWNER, world)
    form = _form(client.get("/financing").text)
    submitted = client.post("/financing/submit", data={**form, "amount": "500"}, headers=headers)
    assert submitted.status_code == 200
    assert "Your application was declined" in submitted.text
    assert "Monthly sales are below" in submitted.text
    assert 'id="accept-offer"' not in submitted.text


def test_staff_and_other_sellers_have_no_financing_page(client: TestClient, demo: Session) -> None:
    sign_in(client, "operations@fourflow.demo")
    assert client.get("/financing").status_code == 403
    assert ">Financing</a>" not in client.get("/").text
    assert client.get("/review-queue").status_code == 403
    client.cookies.clear()
    sign_in(client, "risk@fourflow.demo")  # may request decisions through the API, but is no seller
    assert client.get("/financing").status_code == 404
    assert client.get("/review-queue").status_code == 200
    client.cookies.clear()
    sign_in(client, "finance@lumen.demo")
    assert client.get("/review-queue").status_code == 403


def test_the_review_queue_approves_and_declines(client: TestClient, world: Session) -> None:
    headers = signed_in(client, SELLER, world)
    form = _form(client.get("/financing").text)
    for amount in ("50000", "40000"):
        page = client.post("/financing/submit", data={**form, "amount": amount,
                                                      "idempotency_key": f"web:{amount}"}, headers=headers)
        assert "Your application is in review" in page.text
        form = _form(client.get("/financing").text)
    client.post("/logout", data={"csrf_token": headers["X-CSRF-Token"]})
    client.cookies.clear()

    officer = signed_in(client, "risk@fourflow.demo")
    queue = client.get("/review-queue")
    assert queue.status_code == 200
    assert 'aria-current="page">Review queue</a>' in queue.text
    ids = re.findall(r'id="review-([0-9a-f-]{36})"', queue.text)
    assert len(ids) == 2
    assert 'class="badge grade grade-a"' in queue.text
    assert "1.00 %" in queue.text or "PD (12 months)" in queue.text
    csrf = officer["X-CSRF-Token"]
    large, other = ids  # newest first: 40,000 then 50,000
    no_reason = client.post(f"/review-queue/{large}/approve", data={"csrf_token": csrf, "reason": " "})
    assert no_reason.status_code == 422
    assert "Reason for the decision: Give the reason for the review decision." in no_reason.text
    over = client.post(f"/review-queue/{large}/approve",
                       data={"csrf_token": csrf, "reason": "Strong payouts", "amount": "14031.01"})
    assert "Amount: The amount is over the credit limit of 14031.00 USD." in over.text
    approved = client.post(f"/review-queue/{large}/approve",
                           data={"csrf_token": csrf, "reason": "Strong payouts", "amount": "14000"})
    assert approved.status_code == 200
    assert "Approved: the seller has an offer." in approved.text
    declined = client.post(f"/review-queue/{other}/decline", data={"csrf_token": csrf, "reason": "Too large"})
    assert "Declined: the seller has been told." in declined.text
    assert "Nothing to review" in declined.text
    statuses = {row.id: row.status for row in world.execute(text(
        "SELECT id::text AS id, status FROM lending_applications"))}
    assert (statuses[large], statuses[other]) == ("offered", "declined")
    offered = world.execute(text("SELECT amount FROM lending_offers")).scalar_one()
    assert str(offered) == "14000.0000"
