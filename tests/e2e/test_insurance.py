"""Insurance in a real browser: the seller ticks credit insurance on the Financing offer and accepts;
the policy shows on the Loans page; operations see the claim of a written-off insured loan on the
Insurance page. Desktop and phone width, both languages: no horizontal scrolling, screenshots kept."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, get_clock, set_clock
from fourflow.demo_data import DEMO_PASSWORD
from fourflow.lending.collections import service as collections
from fourflow.lending.insurance import service as insurance
from tests.conftest import _worker_suffix
from tests.e2e.conftest import SCREENSHOTS, LiveServer, live_server_on
from tests.lending import conditions_helpers
from tests.lending.loans.conftest import accepted_offer, seller_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SELLER = "owner@lumen.demo"
OPERATIONS = "operations@fourflow.demo"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
SHOTS = Path(os.environ.get("FOURFLOW_SHOTS", str(SCREENSHOTS / "insurance")))
CONTEXT = AuditContext.system()


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[LiveServer, uuid.UUID]]:
    """An insured loan written off in the summer (its claim approved), and an open offer today."""
    with live_server_on(f"fourflow_e2e_insurance_{_worker_suffix()}") as server:
        today = get_clock().now()
        previous = set_clock(FrozenClock(datetime(2026, 7, 1, 12, tzinfo=UTC)))
        try:
            with server.database.unit_of_work() as session:
                seller = seller_id(session)
                old = accepted_offer(session, seller=seller, status="open")
                insurance.accept_offer(session, CONTEXT, old.id, seller, ["credit", "cargo"],
                                       accepted_by_user_id=None)
                booked = conditions_helpers.disbursed_loan(session, old.id, "e2e-insured-old")
            set_clock(FrozenClock(today))
            with server.database.unit_of_work() as session:
                collections.write_off(session, CONTEXT, booked.id, "Seller unreachable since August")
                offer = accepted_offer(session, seller=seller, status="open")
                application_id = offer.application_id
        finally:
            set_clock(previous)
        yield server, application_id


def _sign_in(page: Page, url: str, email: str, language: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{url}/")
    page.click(f"button[value={language}]")


def _fits(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, page.url
    clipped = page.evaluate("Array.from(document.querySelectorAll("
                            "'.insurance-page .table-wrap, .table-wrap:has(table.policies)'))"
                            ".filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1).length")
    assert clipped == 0, page.url


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_insurance_pages(browser: Browser, world: tuple[LiveServer, uuid.UUID], device: str,
                         language: str) -> None:
    server, application_id = world
    suffix = f"{device}-{'zh' if language == 'zh_Hans' else 'en'}"
    context = browser.new_context(viewport=VIEWPORTS[device])  # type: ignore[arg-type]
    page = context.new_page()
    _sign_in(page, server.url, SELLER, language)
    page.goto(f"{server.url}/financing?application={application_id}#insurance")
    expect(page.locator("#insurance-credit")).to_be_enabled()
    _fits(page, f"financing-offer-{suffix}")
    page.goto(f"{server.url}/loans")
    expect(page.locator("table.policies").first).to_be_visible()
    _fits(page, f"loans-{suffix}")
    context.close()

    context = browser.new_context(viewport=VIEWPORTS[device])  # type: ignore[arg-type]
    staff = context.new_page()
    _sign_in(staff, server.url, OPERATIONS, language)
    staff.goto(f"{server.url}/operations/insurance")
    expect(staff.locator("#claims table")).to_be_visible()
    _fits(staff, f"operations-insurance-{suffix}")
    context.close()


def test_the_seller_accepts_with_credit_insurance(browser: Browser,
                                                  world: tuple[LiveServer, uuid.UUID]) -> None:
    server, application_id = world
    context = browser.new_context(viewport=VIEWPORTS["desktop"])  # type: ignore[arg-type]
    page = context.new_page()
    _sign_in(page, server.url, SELLER, "en")
    page.goto(f"{server.url}/financing?application={application_id}")
    page.check("#insurance-credit")
    page.click("#accept-offer")
    expect(page.locator(".insurance-chosen")).to_contain_text("Credit insurance")
    _fits(page, "financing-accepted-desktop-en")
    context.close()
