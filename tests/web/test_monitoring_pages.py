"""The Monitoring page (risk officers decide alerts, release controls, lift recalls, each with a
reason), what the seller reads on the Loans page, and the funder's interest income on its Funds page;
on the demo world on a frozen clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.risk.service import controls
from tests.helpers import choose_language, count, sign_in
from tests.lending.collections.conftest import alert_proposing, disbursed_loan
from tests.lending.loans.conftest import CONTEXT, NOW

RISK = "risk@fourflow.demo"
SELLER = "owner@lumen.demo"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _signed_in(client: TestClient, email: str, language: str = "en") -> str:
    csrf = sign_in(client, email)
    choose_language(client, language, csrf)
    return csrf


def test_an_officer_confirms_an_alert_and_releases_the_control(client: TestClient, demo: Session,
                                                               clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    alert = alert_proposing(demo, loan.id, "drawdown_hold", date(2026, 10, 15))
    csrf = _signed_in(client, RISK)
    page = client.get("/monitoring")
    assert page.status_code == 200
    assert f'id="alert-{alert.id}"' in page.text
    assert "Collections are 10.0 % of the forecast" in page.text
    assert 'href="/monitoring"' in page.text  # in the navigation

    # No reason: refused with the reason why, nothing changed.
    before = count(demo, "risk_seller_controls")
    empty = client.post(f"/monitoring/alerts/{alert.id}/confirm", data={"csrf_token": csrf, "reason": " "})
    assert empty.status_code == 422
    assert "Give the reason for your decision." in empty.text
    assert count(demo, "risk_seller_controls") == before
    done = client.post(f"/monitoring/alerts/{alert.id}/confirm", follow_redirects=False,
                       data={"csrf_token": csrf, "reason": "Collections far below plan"})
    assert (done.status_code, done.headers["location"]) == (303, "/monitoring?done=confirm")
    shown = client.get("/monitoring?done=confirm")
    assert "Alert confirmed: the action is in place." in shown.text
    [held] = controls.standing(demo, loan.seller_organisation_id)
    assert f'id="control-{held.id}"' in shown.text
    assert "New drawdowns on hold" in shown.text

    # The seller reads it on the Loans page, in Chinese too.
    client.cookies.clear()
    _signed_in(client, SELLER, "zh_Hans")
    loans_page = client.get("/loans")
    assert 'id="interventions"' in loans_page.text
    assert "新提款已暂停" in loans_page.text
    assert "Collections far below plan" in loans_page.text
    assert client.get("/monitoring").status_code == 403

    client.cookies.clear()
    csrf = _signed_in(client, RISK)
    released = client.post(f"/monitoring/controls/{held.id}/release", follow_redirects=False,
                           data={"csrf_token": csrf, "reason": "Payouts caught up"})
    assert released.status_code == 303
    assert controls.standing(demo, loan.seller_organisation_id) == []
    again = client.post(f"/monitoring/controls/{held.id}/release",
                        data={"csrf_token": csrf, "reason": "Payouts caught up"})
    assert again.status_code == 409
    assert "This control was released already." in again.text


def test_a_recall_is_lifted_from_the_page(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    clock.advance(timedelta(days=10))
    alert = alert_proposing(demo, loan.id, "early_recall", date(2026, 10, 25))
    csrf = _signed_in(client, RISK)
    client.post(f"/monitoring/alerts/{alert.id}/confirm", data={"csrf_token": csrf, "reason": "Stock sold"})
    page = client.get("/monitoring")
    recall = re.search(r'id="recall-([0-9a-f-]+)"', page.text)
    assert recall is not None
    assert "10,032.88" in page.text  # 10,000.00 + 10 days of interest 32.88
    lifted = client.post(f"/monitoring/recalls/{recall.group(1)}/lift", follow_redirects=False,
                         data={"csrf_token": csrf, "reason": "Stock back in the warehouse"})
    assert lifted.status_code == 303
    assert "No loan is recalled." in client.get("/monitoring").text


def test_the_funder_sees_its_interest_income(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    """Ten days of 3.29 (10,000 × 0.12 ÷ 365 = 3.2876…; 32.88 in all): the funder's 80 % is
    round(32.88 × 0.8 = 26.304) = 26.30."""
    from fourflow.lending.loans import service as loans

    loan = disbursed_loan(demo)
    clock.advance(timedelta(days=10))
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2026, 10, 24))
    _signed_in(client, "analyst@harbour.demo")
    page = client.get("/funds")
    assert page.status_code == 200
    card = re.search(r"Interest earned</span>\s*<strong class=\"figure\">([^<]+)<", page.text)
    assert card is not None
    assert card.group(1).strip() == "26.30"
