"""The lending pages on the demo world's loans (``demo_lending``): a risk officer confirms the open
monitoring alert in the browser and the seller reads the hold on the Loans page; every lending page
shows something and fits a phone, in English and Chinese. Its own server: it lends to demo sellers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.core.pagination import PageRequest
from fourflow.demo_data import DEMO_PASSWORD
from fourflow.demo_lending import load_demo_loans
from fourflow.identity import service as identity
from fourflow.lending.collections import service as collections
from fourflow.risk.service import rule_sets
from fourflow.tradedata.simulation.loader import load_world
from tests.conftest import TEST_SECRET_KEY, _worker_suffix
from tests.e2e.conftest import LiveServer, live_server_on, screenshot
from tests.lending.applications.conftest import register_scorecard

SELLER_LOGINS = {"lumen-electronics": "owner@lumen.demo", "silkroad-home": "owner@silkroad.demo",
                 "bright-toys": "owner@brighttoys.demo"}


@pytest.fixture(scope="module")
def lending_world() -> Iterator[LiveServer]:
    with live_server_on(f"fourflow_e2e_monitoring_{_worker_suffix()}") as server:
        with server.database.unit_of_work() as session:
            load_world(session, sellers=5, months=24, seed=3, secret=TEST_SECRET_KEY)
            register_scorecard(session)
            rule_sets.install_defaults(session)
        with server.database.unit_of_work() as session:
            load_demo_loans(session)
        yield server


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{url}/")


def _shot(page: Page, name: str) -> None:
    screenshot(page, f"lending-{name}")


def _overflow(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return width


def test_an_officer_confirms_the_alert_and_the_seller_reads_the_hold(browser: Browser,
                                                                       lending_world: LiveServer) -> None:
    url = lending_world.url
    with lending_world.database.unit_of_work() as session:
        [alert] = collections.list_alerts(session, PageRequest(page=1, page_size=10), status="open").items
        seller = identity.organisation_by_id(session, alert.seller_organisation_id)
        assert seller is not None
        email = SELLER_LOGINS[seller.slug]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, url, "risk@fourflow.demo")
        page.goto(f"{url}/monitoring")
        item = page.locator(f"#alert-{alert.id}")
        expect(item).to_contain_text("Collections are 0.0 % of the forecast")
        _shot(page, "monitoring-desktop-en-open")
        item.locator("form[action$='/confirm'] input[name=reason]").fill("Nothing repaid since it fell due")
        item.locator("form[action$='/confirm'] button").click()
        expect(page.locator(".notice.success")).to_contain_text("Alert confirmed")
        expect(page.locator("article[id^=control-]")).to_contain_text("Nothing repaid since it fell due")
        _shot(page, "monitoring-desktop-en")
        for path in ("/operations", "/review-queue"):
            page.goto(f"{url}{path}")
            assert page.locator("main").inner_text().strip()
        expect(page.locator("main")).not_to_contain_text("Nothing to review")
    finally:
        context.close()
    for language, suffix in (("en", "en"), ("zh_Hans", "zh")):
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
        context.add_cookies([{"name": "fourflow_language", "value": language, "url": url}])
        page = context.new_page()
        try:
            _sign_in(page, url, email)
            page.goto(f"{url}/loans")
            expect(page.locator("#interventions")).to_contain_text(
                "New drawdowns are on hold" if language == "en" else "新提款已暂停")
            assert _overflow(page) == 0
            _shot(page, f"loans-phone-{suffix}")
            page.set_viewport_size({"width": 1280, "height": 800})
            _shot(page, f"loans-desktop-{suffix}")
        finally:
            context.close()
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
        context.add_cookies([{"name": "fourflow_language", "value": language, "url": url}])
        page = context.new_page()
        try:
            _sign_in(page, url, "risk@fourflow.demo")
            page.goto(f"{url}/monitoring")
            expect(page.locator("h1")).to_contain_text(
                "Post-loan monitoring" if language == "en" else "贷后监控")
            assert _overflow(page) == 0
            _shot(page, f"monitoring-phone-{suffix}")
            page.set_viewport_size({"width": 1280, "height": 800})
            _shot(page, f"monitoring-desktop-{suffix}")
        finally:
            context.close()
