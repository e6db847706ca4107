"""Apply in minutes, in a real browser: a seller signs in, opens Financing, fills in the form the
prefill started, submits, reads the offer, accepts it, takes the loan and signs its contract with the
mailed one-time code (the platform countersigns and the loan is disbursed), in at most 15
interactions; a marketplace payout then repays it and the Loans page shows it repaid, the ledger
balanced. Then the Financing page (form, offer) and the review queue at desktop and phone width in
both languages: no horizontal scrolling, and a screenshot kept for review."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text

from fourflow.audit.service import AuditContext
from fourflow.core.pagination import PageRequest
from fourflow.demo_data import DEMO_PASSWORD
from fourflow.ledger import service as ledger
from fourflow.lending.contracts.service import pki
from fourflow.lending.loans import service as loans
from fourflow.risk.service import rule_sets
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY, _worker_suffix
from tests.e2e.conftest import LiveServer, live_server_on, screenshot
from tests.lending.applications.conftest import register_scorecard

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SELLER = "owner@willow-electronics.demo"  # steady payouts: receivables financing, lent to at once
MAXIMUM_INTERACTIONS = 15
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    """A server of this module's own: its tests lend to demo sellers and load more of them, which
    the other browser tests must not see."""
    with live_server_on(f"fourflow_e2e_financing_{_worker_suffix()}") as server:
        yield server


@pytest.fixture(scope="module")
def lending_world(live: LiveServer) -> LiveServer:
    """The applications tests' small world, up to this month, with a credit model and the policy."""
    with live.database.unit_of_work() as session:
        load_world(session, sellers=5, months=8, seed=3, secret=TEST_SECRET_KEY,
                   end_month=datetime.now(UTC).date().replace(day=1))
        register_scorecard(session)
        rule_sets.install_defaults(session)
        pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
    return live


def _trust_devices(live: LiveServer) -> None:
    """The browser that just signed in has been the seller's for a month (a device first seen this
    week refers every decision to a person, by the policy), and the earlier runs' credit requests were
    made days ago (more than five in a day are referred too)."""
    with live.database.unit_of_work() as session:
        session.execute(text(
            "UPDATE trade_seller_devices SET first_seen_at = first_seen_at - interval '30 days'"))
        session.execute(text("UPDATE risk_decisions SET decided_at = decided_at - interval '2 days'"))


class Counted:
    """The page, counting what the seller does (clicks, typing, choosing)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.interactions = 0

    def fill(self, selector: str, value: str) -> None:
        self.interactions += 1
        self.page.fill(selector, value)

    def click(self, selector: str) -> None:
        self.interactions += 1
        self.page.click(selector)


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")


def _mailed_code(live: LiveServer, recipient: str) -> str:
    """The worker sends the mail queued by the request; the seller reads the code in it."""
    live.run_pending_jobs()
    with live.database.unit_of_work() as session:
        body = session.execute(text(
            "SELECT body_text FROM mail_messages WHERE recipient = :recipient AND subject LIKE "
            "'Your code to sign contract%' ORDER BY created_at DESC LIMIT 1"),
            {"recipient": recipient}).scalar_one()
    found = re.search(r"\n    (\d{6})\n", body)
    assert found is not None, body
    return found.group(1)


def test_a_seller_applies_and_the_loan_runs_until_repaid(browser: Browser, lending_world: LiveServer) -> None:
    live = lending_world
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    seller = Counted(page)
    try:
        page.goto(f"{live.url}/login")
        seller.fill("#email", SELLER)
        seller.fill("#password", DEMO_PASSWORD)
        seller.click("button.primary")
        page.wait_for_url(f"{live.url}/")
        _trust_devices(live)
        seller.click("button[value=en]")
        seller.click("nav.nav >> text=Financing")
        expect(page.locator("h1")).to_have_text("Financing")
        expect(page.locator(".recommendation")).to_contain_text("Receivables financing")
        # The prefill chose the product, the currency and the term; the seller sets the amount.
        expect(page.locator("#application-product")).to_have_value("receivables_financing")
        seller.fill("#application-amount", "0")
        expect(page.locator("#feedback-amount")).to_have_text("Amount: The amount must be greater than zero.")
        seller.fill("#application-amount", "5000")
        seller.fill("#application-purpose", "Restock for the holiday season")
        expect(page.locator("#draft-status")).to_contain_text("Draft saved at")
        expect(page.locator("#feedback-amount")).to_have_text("")
        seller.click("#submit-application")
        result = page.locator("#result")
        expect(result).to_contain_text("Your offer")
        expect(result).to_contain_text("5,000.00 USD")
        expect(result.locator("table.schedule tbody tr")).to_have_count(3)
        screenshot(page, "financing-offer-flow-desktop-en")
        seller.click("#accept-offer")
        expect(page.locator("#result")).to_contain_text("You accepted this offer")
        expect(page.locator("#applications")).to_contain_text("Accepted")

        # The loan waits for the signed contract; the seller signs it with the mailed code.
        seller.click("#take-loan")
        page.wait_for_url(f"{live.url}/loans*")
        loan = page.locator("section.loan").first
        expect(loan).to_contain_text("Awaiting disbursement")
        seller.click("button.request-signing-code")
        expect(page.locator(".notice.success")).to_have_text(
            f"We mailed a one-time code to {SELLER}; enter it below to sign the contract.")
        seller.fill("input.signing-code", _mailed_code(live, SELLER))
        seller.click("button.sign-contract")
        expect(page.locator(".notice.success")).to_have_text(
            "You signed the contract and the platform countersigned it.")
        # The countersignature met the last condition: the money is in the wallet, the loan repaying.
        expect(loan.locator(".badge").first).to_have_text("Repaying")
        expect(loan.locator(".figure").first).to_have_text("5,000.00 USD")
        assert seller.interactions <= MAXIMUM_INTERACTIONS, seller.interactions
        screenshot(page, "financing-loan-signed-desktop-en")

        # The marketplace pays out 20,000.00 the same day: a quarter of it, 5,000.00, is all the loan
        # owes (no interest has accrued yet), and the loan is closed.
        with live.database.unit_of_work() as session:
            seller_id = uuid.UUID(str(session.execute(text(
                "SELECT organisation_id FROM users WHERE email = :email"), {"email": SELLER}).scalar_one()))
            taken = loans.list_loans(session, seller_id, None, PageRequest(page=1, page_size=5)).items[0]
            applied = loans.apply_payout(session, AuditContext.system(), seller_id, Decimal("20000.00"),
                                         "USD", f"AMZ-E2E-{uuid.uuid4().hex[:8]}")
            assert [(row.loan_id, row.interest_amount, row.principal_amount)
                    for row in applied.repayments] == [(taken.id, Decimal("0.00"), Decimal("5000.00"))]
            assert applied.payout.released_amount == Decimal("15000.00")
        page.reload()
        expect(loan.locator(".badge").first).to_have_text("Repaid")
        expect(loan.locator(".figure").first).to_have_text("0.00 USD")
        with live.database.unit_of_work() as session:
            assert loans.get_loan(session, taken.id, None).status == "closed"
            assert loans.balances(session, taken).is_zero()
            invariants = ledger.check_invariants(session)
            assert (invariants.unbalanced_currencies, invariants.accounts_out_of_step) == ({}, [])
    finally:
        context.close()


def _no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, page.url


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_financing_pages_fit_the_screen(browser: Browser, lending_world: LiveServer, device: str,
                                        language: str) -> None:
    live = lending_world
    suffix = f"{device}-{'zh' if language == 'zh_Hans' else 'en'}"
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER)
        _trust_devices(live)
        page.click(f"button[value={language}]")
        page.goto(f"{live.url}/financing")
        expect(page.locator("h1")).to_be_visible()
        page.fill("#application-amount", "-1")
        expect(page.locator("#feedback-amount")).not_to_be_empty()
        _no_horizontal_scroll(page)
        screenshot(page, f"financing-form-{suffix}")
        page.fill("#application-amount", "4000")
        expect(page.locator("#feedback-amount")).to_be_empty()
        page.click("#submit-application")
        expect(page.locator("#result table.schedule")).to_be_visible()
        _no_horizontal_scroll(page)
        screenshot(page, f"financing-offer-{suffix}")
        # A large amount goes to a risk officer.
        page.fill("#application-amount", "50000")
        expect(page.locator("#feedback-amount")).not_to_be_empty()
        page.click("#submit-application")
        expect(page.locator("#result h2")).to_be_visible()
        context.clear_cookies()
        _sign_in(page, live.url, "risk@fourflow.demo")
        page.click(f"button[value={language}]")
        page.goto(f"{live.url}/review-queue")
        expect(page.locator(".review-item").first).to_be_visible()
        _no_horizontal_scroll(page)
        screenshot(page, f"review-queue-{suffix}")
    finally:
        context.close()
