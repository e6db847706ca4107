"""Insurance through the API and the pages, on the demo world: quotes on an offer, the choice made when
accepting it (bad input refused naming the field, nothing changed), the policy on the Loans page and
in the API, operations paying the premium on, and an insurer that is down shown as such."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.lending.applications import service as applications
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.insurer.simulator import SimulatedInsurer
from tests.helpers import choose_language, sign_in
from tests.lending import conditions_helpers
from tests.lending.insurance.conftest import open_offer, rows

INSURANCE = "/api/v1/lending/insurance"


def _signed_in(client: TestClient, email: str, language: str = "en") -> dict[str, str]:
    csrf = sign_in(client, email)
    choose_language(client, language, csrf)
    return {"X-CSRF-Token": csrf}


def test_quote_choose_and_see_the_policy_through_the_api(
        client: TestClient, demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    headers = _signed_in(client, "owner@lumen.demo")
    quoted = client.post(f"{INSURANCE}/offers/{offer_id}/quotes", headers=headers)
    assert quoted.status_code == 200, quoted.text
    assert [(option["cover"], option["available"], option["quote"]["premium_amount"],
             option["quote"]["insured_amount"]) for option in quoted.json()] == [
        ("cargo", True, "37.50", "12500.00"), ("credit", True, "9.86", "10000.00")]

    before = rows(demo)
    refused = client.post(f"/api/v1/lending/offers/{offer_id}/accept", headers=headers,
                          json={"insurance": ["credit", "flood"]})
    assert refused.status_code == 422
    assert refused.json()["error"] == "insurance_cover_unknown"
    assert refused.json()["detail"] == {
        "field": "insurance", "message": "flood is not an insurance cover; choose one of: cargo, credit."}
    assert rows(demo) == before

    accepted = client.post(f"/api/v1/lending/offers/{offer_id}/accept", headers=headers,
                           json={"insurance": ["credit"]})
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    stored = client.get(f"{INSURANCE}/offers/{offer_id}/quotes", headers=headers).json()
    assert [(quote["cover"], quote["status"]) for quote in stored] == [
        ("cargo", "quoted"), ("credit", "chosen")]
    again = client.post(f"{INSURANCE}/offers/{offer_id}/quotes", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "insurance_offer_not_open")

    conditions_helpers.disbursed_loan(demo, offer_id, "api-1")
    policies = client.get(f"{INSURANCE}/policies", headers=headers).json()
    assert [(policy["cover"], policy["status"], policy["premium_amount"], policy["status_name"])
            for policy in policies["items"]] == [("credit", "active", "9.86", "In force")]
    page = client.get("/loans", headers=headers)
    assert "Credit insurance" in page.text
    assert "9.86" in page.text
    assert "In force" in page.text

    other = TestClient(client.app)
    other_headers = _signed_in(other, "owner@silkroad.demo")
    assert other.get(f"{INSURANCE}/offers/{offer_id}/quotes", headers=other_headers).status_code == 404
    assert other.get(f"{INSURANCE}/policies", headers=other_headers).json()["total"] == 0
    policy_id = policies["items"][0]["id"]
    assert other.get(f"{INSURANCE}/policies/{policy_id}", headers=other_headers).status_code == 404
    assert other.post(f"{INSURANCE}/policies/{policy_id}/remit-premium",
                      headers=other_headers).status_code == 403

    operations = TestClient(client.app)
    staff = _signed_in(operations, "operations@fourflow.demo")
    remitted = operations.post(f"{INSURANCE}/policies/{policy_id}/remit-premium", headers=staff)
    assert remitted.status_code == 200
    assert remitted.json()["premium_remitted_at"] is not None
    page = operations.get("/operations/insurance")
    assert page.status_code == 200
    assert "Policies in force" in page.text
    assert "paid to the insurer" in page.text


def test_the_financing_page_offers_insurance_and_accepts_with_it(
        client: TestClient, demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    offer = applications.get_offer(demo, offer_id, None)
    headers = _signed_in(client, "owner@lumen.demo", "zh_Hans")
    page = client.get(f"/financing?application={offer.application_id}")
    assert page.status_code == 200
    assert "信用保险" in page.text
    assert "货物保险" in page.text
    assert "保费 37.50 USD" in page.text
    accept = re.search(r'action="(/financing/offers/[^/]+/accept)"', page.text)
    assert accept is not None
    done = client.post(accept.group(1), follow_redirects=False,
                       data={"csrf_token": headers["X-CSRF-Token"], "insurance": ["cargo"]})
    assert done.status_code == 303
    shown = client.get(f"/financing?application={offer.application_id}")
    assert "货物保险" in shown.text
    assert "保险金额：12,500.00 USD。" in shown.text
    assert [quote.cover for quote in insurance.chosen_quotes(demo, offer_id)] == ["cargo"]


def test_an_insurer_that_is_down_is_shown_and_the_offer_still_accepted(
        client: TestClient, demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    simulator.unreachable = True
    offer_id = open_offer(demo)
    offer = applications.get_offer(demo, offer_id, None)
    headers = _signed_in(client, "owner@lumen.demo")
    quoted = client.post(f"{INSURANCE}/offers/{offer_id}/quotes", headers=headers).json()
    assert [(option["available"], option["unavailable_reason"]) for option in quoted] == [
        (False, "The insurer harbour-mutual cannot be reached, so insurance is unavailable for now; nothing "
                "was changed. Try again later.")] * 2
    page = client.get(f"/financing?application={offer.application_id}")
    assert 'id="insurance-credit" disabled' in page.text
    assert "cannot be reached" in page.text
    accepted = client.post(f"/api/v1/lending/offers/{offer_id}/accept", headers=headers)
    assert accepted.json()["status"] == "accepted"
    assert Decimal(accepted.json()["amount"]) == Decimal("10000.00")
