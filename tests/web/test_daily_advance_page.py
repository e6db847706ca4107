"""The Daily advance panel on the seller's Loans page: not enrolled with the toggle, enrolled, today's
advance and the last advances with their orders and netting, in English and Chinese; a refused toggle
stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.lending.loans import service
from tests.helpers import choose_language, count, sign_in
from tests.lending.advance_helpers import receivables_facility, shipped_order
from tests.lending.loans.conftest import CONTEXT, NOW, seller_id

SELLER = "owner@lumen.demo"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def test_the_seller_turns_the_daily_advance_on_and_sees_the_advances(
        client: TestClient, demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    receivables_facility(demo, seller)
    csrf = sign_in(client, SELLER)
    choose_language(client, "en", csrf)
    page = client.get("/loans")
    assert "Daily advance" in page.text
    assert "Not enrolled" in page.text
    assert "Each morning 80 % of yesterday&#39;s shipped sales" in page.text
    assert 'id="daily-advance-toggle"' in page.text

    turned_on = client.post("/loans/daily-advance", data={"enrolled": "yes", "csrf_token": csrf})
    assert turned_on.status_code == 200
    assert "You are enrolled" in turned_on.text
    assert "Stop the daily advance" in turned_on.text
    enrolments = count(demo, "lending_daily_advance_enrolments")
    again = client.post("/loans/daily-advance", data={"enrolled": "yes", "csrf_token": csrf})
    assert again.status_code == 409
    assert "The seller is enrolled in the daily advance already." in again.text
    assert count(demo, "lending_daily_advance_enrolments") == enrolments

    # 80 % of 1,250.00 = 1,000.00, fee 1.00, paid on the morning of 16 October.
    shipped_order(demo, seller, "9001", "1000.00", datetime(2026, 10, 15, 9, tzinfo=UTC))
    shipped_order(demo, seller, "9002", "250.00", datetime(2026, 10, 15, 11, tzinfo=UTC))
    clock.set(datetime(2026, 10, 16, 6, tzinfo=UTC))
    assert service.advance_day(demo, CONTEXT, seller, date(2026, 10, 15)).reason == "advanced"
    client.cookies.clear()
    csrf = sign_in(client, SELLER)
    choose_language(client, "en", csrf)
    page = client.get("/loans")
    assert "Today&#39;s advance" in page.text
    assert page.text.count("1,000.00") >= 2  # today's advance and the row of the 15th
    assert "1,001.00" in page.text  # outstanding: the advance and its fee
    assert "Awaiting the payout" in page.text
    assert "Orders: 2" in page.text

    choose_language(client, "zh_Hans", csrf)
    chinese = client.get("/loans")
    assert "每日预付" in chinese.text
    assert "等待回款" in chinese.text
    choose_language(client, "en", csrf)
    off = client.post("/loans/daily-advance", data={"enrolled": "no", "csrf_token": csrf})
    assert (off.status_code, "You left the daily advance" in off.text) == (200, True)
    assert "Turn on the daily advance" in off.text
    clock.advance(timedelta(days=1))


def test_operations_see_every_sellers_advances(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    receivables_facility(demo, seller)
    service.enrol(demo, CONTEXT, seller)
    shipped_order(demo, seller, "9101", "500.00", datetime(2026, 10, 15, 9, tzinfo=UTC))
    clock.set(datetime(2026, 10, 16, 6, tzinfo=UTC))
    assert service.advance_day(demo, CONTEXT, seller, date(2026, 10, 15)).reason == "advanced"
    csrf = sign_in(client, "operations@fourflow.demo")
    choose_language(client, "en", csrf)
    page = client.get("/operations")
    section = page.text.split('id="daily-advances"')[1].split("</section>")[0]
    # 80 % of 500.00 = 400.00, fee 0.40.
    assert "Shenzhen Lumen Electronics Co., Ltd." in section
    assert "400.00" in section
    assert "fee 0.40" in section
    assert "Awaiting the payout" in section
