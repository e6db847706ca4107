"""Loans in a real browser: the seller takes the loan on an accepted offer naming the financed shipment,
operations see why it waits and are refused while its conditions are unmet, the signed contract and the
goods' arrival disburse it, a payout repays part of it, and the seller reads the Loans page, at desktop
and phone width in both languages: no horizontal scrolling, and a screenshot kept for review."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.audit.service import AuditContext
from fourflow.core.pagination import PageRequest
from fourflow.demo_data import DEMO_PASSWORD
from fourflow.lending.loans import service as loans
from tests.conftest import _worker_suffix
from tests.e2e.conftest import LiveServer, live_server_on, screenshot
from tests.lending.conditions_helpers import WAREHOUSE, book, ingest_tracking, shipment_for, sign_contract
from tests.lending.loans.conftest import accepted_offer, seller_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SELLER = "owner@lumen.demo"
OPERATIONS = "operations@fourflow.demo"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


def _sign_in(page: Page, live_server: str, email: str, language: str = "en") -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")
    page.click(f"button[value={language}]")


def _no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, page.url


def _no_clipped_table(page: Page) -> None:
    """Each table fits its card: nothing hidden behind a sideways scroll."""
    clipped = page.evaluate("Array.from(document.querySelectorAll('.loans-page .table-wrap'))"
                            ".map(wrap => wrap.scrollWidth - wrap.clientWidth)")
    assert all(width <= 0 for width in clipped), (page.url, clipped)


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    """A server of this module's own: its tests lend to demo sellers and load more of them, which
    the other browser tests must not see."""
    with live_server_on(f"fourflow_e2e_loans_{_worker_suffix()}") as server:
        yield server


@pytest.fixture(scope="module")
def taken_loan(browser: Browser, live: LiveServer) -> uuid.UUID:
    """10,000.00 USD order financing taken and disbursed through the pages, then a payout of 2,500.00."""
    with live.database.unit_of_work() as session:
        offer = accepted_offer(session, seller=seller_id(session))
        application_id, offer_id = offer.application_id, offer.id
        tracking_number = shipment_for(offer_id).tracking_number
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER)
        page.goto(f"{live.url}/financing?application={application_id}")
        expect(page.locator("#take-loan")).to_be_visible()
        # Order financing is paid when the financed goods arrive: the seller names their shipment.
        page.fill("#loan-tracking-number", tracking_number)
        page.fill("#loan-warehouse", WAREHOUSE)
        screenshot(page, "financing-take-loan-desktop-en")
        page.click("#take-loan")
        page.wait_for_url(f"{live.url}/loans*")
        expect(page.locator("h1")).to_have_text("Loans")
        expect(page.locator("section.loan").first).to_contain_text("Awaiting disbursement")
        expect(page.locator("section.loan").first).to_contain_text("All signatures present")
        context.clear_cookies()
        _sign_in(page, live.url, OPERATIONS)
        page.goto(f"{live.url}/operations")
        expect(page.locator("#loans-awaiting")).to_contain_text("9,900.00 USD")
        waiting = page.locator("#loans-awaiting")
        expect(waiting).to_contain_text("No contract has been made from the offer yet.")
        page.locator("#loans-awaiting button.primary").first.click()
        expect(page.locator(".notice.error")).to_contain_text(
            "The loan cannot be disbursed yet: All signatures present, Financed goods arrived at the "
            "warehouse")
    finally:
        context.close()
    with live.database.unit_of_work() as session:
        # The seller signs the contract and the carrier reports the goods in the warehouse: disbursed.
        sign_contract(session, offer_id)
        ingest_tracking(session, seller_id(session), tracking_number)
    with live.database.unit_of_work() as session:
        active = loans.list_loans(session, seller_id(session), "active", PageRequest(page=1, page_size=50))
        loan = next(item for item in active.items if item.offer_id == offer_id)
        loans.apply_payout(session, AuditContext.system(), loan.seller_organisation_id, Decimal("2500.00"),
                           "USD", f"AMZ-E2E-{uuid.uuid4().hex[:6]}")
        # A second loan waits for operations, so their page shows one to disburse.
        waiting = accepted_offer(session, seller=seller_id(session), amount="4000.00")
        book(session, waiting.id, f"e2e-{waiting.id}")
        return loan.id


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_loans_page_fits_the_screen(browser: Browser, live: LiveServer, taken_loan: uuid.UUID,
                                        device: str, language: str) -> None:
    suffix = f"{device}-{'zh' if language == 'zh_Hans' else 'en'}"
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER, language)
        page.goto(f"{live.url}/loans")
        section = page.locator(f"#loan-{taken_loan}")
        expect(section.locator("table.schedule tbody tr")).to_have_count(1)
        expect(section.locator("table.repayments tbody tr")).to_have_count(1)
        expect(section.locator(".figure").first).to_have_text("7,500.00 USD")
        expect(page.locator(".chart canvas").first).to_be_attached()
        _no_horizontal_scroll(page)
        _no_clipped_table(page)
        screenshot(page, f"loans-{suffix}")
        context.clear_cookies()
        _sign_in(page, live.url, OPERATIONS, language)
        page.goto(f"{live.url}/operations")
        expect(page.locator("#loans-awaiting button.primary").first).to_be_visible()
        _no_horizontal_scroll(page)
        screenshot(page, f"operations-loans-{suffix}")
    finally:
        context.close()
