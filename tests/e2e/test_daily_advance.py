"""The Daily advance panel in a real browser: the seller turns it on from the Loans page; after a
morning's advance the panel shows it with its orders and netting status, at desktop and 375-px phone
width in both languages — no horizontal scrolling, a screenshot kept for review."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.demo_data import DEMO_PASSWORD
from fourflow.lending.loans import service as loans
from tests.conftest import _worker_suffix
from tests.e2e.conftest import LiveServer, live_server_on, screenshot
from tests.lending.advance_helpers import receivables_facility, shipped_order
from tests.lending.loans.conftest import seller_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SELLER = "owner@lumen.demo"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


def _sign_in(page: Page, live_server: str, email: str, language: str = "en") -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")
    page.click(f"button[value={language}]")


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with live_server_on(f"fourflow_e2e_advance_{_worker_suffix()}") as server:
        yield server


@pytest.fixture(scope="module")
def enrolled(browser: Browser, live: LiveServer) -> None:
    """A receivables loan; the seller turns the daily advance on in the page; yesterday's orders
    (1,000.00 + 250.00) are advanced 80 %: 1,000.00."""
    with live.database.unit_of_work() as session:
        receivables_facility(session, seller_id(session))
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER)
        page.goto(f"{live.url}/loans")
        expect(page.locator("#daily-advance")).to_contain_text("Not enrolled")
        page.click("#daily-advance-toggle")
        expect(page.locator(".notice.success")).to_contain_text("You are enrolled")
    finally:
        context.close()
    yesterday = get_clock().now() - timedelta(days=1)
    with live.database.unit_of_work() as session:
        seller = seller_id(session)
        shipped_order(session, seller, "E2E-1", "1000.00", yesterday)
        shipped_order(session, seller, "E2E-2", "250.00", yesterday)
        outcome = loans.advance_day(session, AuditContext.system(), seller, yesterday.date())
        assert outcome.reason == "advanced"


@pytest.mark.usefixtures("enrolled")
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_daily_advance_panel_fits_the_screen(browser: Browser, live: LiveServer, device: str,
                                                 language: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER, language)
        page.goto(f"{live.url}/loans")
        panel = page.locator("#daily-advance")
        expect(panel.locator("table.advances tbody tr")).to_have_count(1)
        expect(panel.locator(".figure").first).to_have_text("1,000.00 USD")
        expect(panel.locator("#daily-advance-toggle")).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow == 0
        clipped = page.evaluate("Array.from(document.querySelectorAll('#daily-advance .table-wrap'))"
                                ".map(wrap => wrap.scrollWidth - wrap.clientWidth)")
        assert all(width <= 0 for width in clipped), clipped
        screenshot(page, f"daily-advance-{device}-{'zh' if language == 'zh_Hans' else 'en'}")
        context.clear_cookies()
        _sign_in(page, live.url, "operations@fourflow.demo", language)
        page.goto(f"{live.url}/operations")
        expect(page.locator("#daily-advances table.advances tbody tr")).to_have_count(1)
        assert page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
        screenshot(page, f"operations-daily-advances-{device}-{'zh' if language == 'zh_Hans' else 'en'}")
    finally:
        context.close()
