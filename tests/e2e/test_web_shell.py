"""The web shell in a real browser: sign in, switch to Chinese, phone width."""

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")


def _horizontal_overflow(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return width


def test_sign_in_switch_to_chinese_and_find_chinese_navigation(page: Page, live_server: str) -> None:
    _sign_in(page, live_server, "admin@fourflow.demo")
    expect(page.locator("h1")).to_have_text("Welcome, Ada Administrator")
    expect(page.locator("nav.nav")).to_contain_text("Organisations")
    page.click("button[value=zh_Hans]")
    page.wait_for_load_state()
    navigation = page.locator("nav.nav")
    expect(navigation).to_contain_text("机构")
    expect(navigation).to_contain_text("审计日志")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    screenshot(page, "home-desktop-zh")
    page.click("button[value=en]")
    expect(page.locator("nav.nav")).to_contain_text("Audit log")


def test_a_375px_phone_has_no_horizontal_scroll_on_any_shell_page(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        assert _horizontal_overflow(page) == 0
        screenshot(page, "login-phone-zh")
        _sign_in(page, live_server, "admin@fourflow.demo")
        for path, name in [("/", "home"), ("/organisations", "organisations"),
                           ("/audit", "audit"), ("/developer", "developer"), ("/mailbox", "mailbox")]:
            page.goto(f"{live_server}{path}")
            assert _horizontal_overflow(page) == 0, path
            language = page.locator("html").get_attribute("lang") or "en"
            screenshot(page, f"{name}-phone-{'zh' if language.startswith('zh') else 'en'}")
    finally:
        context.close()


def test_invite_flow_through_the_job_worker_and_the_mailbox(page: Page, live: LiveServer) -> None:
    live_server = live.url
    _sign_in(page, live_server, "owner@brighttoys.demo")
    page.click("button[value=en]")
    page.click("nav.nav >> text=My organisation")
    page.fill("#invite-email", "packer@brighttoys.demo")
    page.select_option("#invite-role", "seller_finance")
    page.click("#invite button.primary")
    expect(page.locator(".notice.success")).to_contain_text("Invitation sent to packer@brighttoys.demo")
    screenshot(page, "organisation-desktop-en")
    live.run_pending_jobs()
    page.goto(f"{live_server}/mailbox")
    page.click("text=You are invited to Yiwu Bright Toys Trading Co. on Fourflow")
    link = page.locator("pre.mail-body a").get_attribute("href")
    assert link is not None
    assert link.startswith(f"{live_server}/invitations/")
    page.click("form.sign-out button")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Join Yiwu Bright Toys Trading Co.")
    page.fill("#display_name", "Pat Packer")
    page.fill("#password", "packing-2026-secure")
    page.click("button.primary")
    expect(page.locator(".notice.success")).to_contain_text("Your account is ready")
    page.fill("#password", "packing-2026-secure")
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")
    expect(page.locator("h1")).to_have_text("Welcome, Pat Packer")


def test_organisation_list_filters_with_htmx(page: Page, live_server: str) -> None:
    _sign_in(page, live_server, "risk@fourflow.demo")
    page.click("button[value=en]")
    page.goto(f"{live_server}/organisations")
    expect(page.locator("#organisation-table tbody tr")).to_have_count(8)
    page.select_option("#kind", "seller")
    expect(page.locator("#organisation-table tbody tr")).to_have_count(3)
    page.fill("#q", "lumen")
    expect(page.locator("#organisation-table tbody tr")).to_have_count(1)
    expect(page.locator("#organisation-table")).to_contain_text("Shenzhen Lumen Electronics")
    screenshot(page, "organisations-desktop-en")


def test_seller_funds_page_on_a_phone(browser: Browser, live_server: str) -> None:
    for language in ("en", "zh_Hans"):
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
        context.add_cookies([{"name": "fourflow_language", "value": language, "url": live_server}])
        page = context.new_page()
        try:
            _sign_in(page, live_server, "owner@lumen.demo")
            page.goto(f"{live_server}/funds")
            # The page shows what the API says (the demo payout may have been sent already).
            available = page.evaluate("""async () => {
                const accounts = await (await fetch('/api/v1/ledger/accounts')).json();
                const wallet = accounts.items.find(a => a.code === 'seller:wallet');
                return (await (await fetch(`/api/v1/ledger/accounts/${wallet.id}/balance`)).json()).available;
            }""")
            formatted = f"{Decimal(available):,}"
            assert formatted in ("17,250.00", "18,450.00")
            expect(page.locator(".balance-card.selected")).to_contain_text(formatted)
            assert _horizontal_overflow(page) == 0
            screenshot(page, f"funds-phone-{'zh' if language == 'zh_Hans' else 'en'}")
            page.set_viewport_size({"width": 1280, "height": 800})
            screenshot(page, f"funds-desktop-{'zh' if language == 'zh_Hans' else 'en'}")
        finally:
            context.close()
