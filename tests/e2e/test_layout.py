"""Every shell page at desktop and 375-px phone width, in English and Chinese: no
horizontal scrolling, the page's heading shows, and a screenshot is kept for review
(.fourflow/screenshots)."""

import pytest
from playwright.sync_api import Browser, expect

from fourflow.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = [
    ("/", "home"),
    ("/organisations", "organisations"),
    ("/organisations/new", "organisation-new"),
    ("/developer", "developer"),
    ("/audit", "audit"),
    ("/audit/verification", "audit-verification"),
    ("/mailbox", "mailbox"),
    ("/funds", "funds-platform"),
    ("/operations", "operations"),
    ("/trade-data", "trade-data-staff"),
    ("/trade-data/uploads", "trade-data-uploads-staff"),
    ("/contracts/verify", "contracts-verify"),
    ("/risk", "risk"),
    ("/risk/models", "risk-models"),
    ("/risk/rules", "risk-rules"),
    ("/no-such-page", "not-found"),
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_pages_fit_the_screen(browser: Browser, live_server: str, device: str, language: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[device], is_mobile=device == "phone")
    context.add_cookies([{"name": "fourflow_language", "value": language, "url": live_server}])
    page = context.new_page()
    suffix = f"{device}-{'zh' if language == 'zh_Hans' else 'en'}"
    try:
        page.goto(f"{live_server}/login")
        screenshot(page, f"login-{suffix}")
        page.fill("#email", "admin@fourflow.demo")
        page.fill("#password", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{live_server}/")
        lumen = page.evaluate("fetch('/api/v1/sellers').then(r => r.json())")
        accounts = page.evaluate("fetch('/api/v1/ledger/accounts?page_size=200').then(r => r.json())")
        bank = next(a for a in accounts["items"] if a["code"] == "platform:bank")
        lumen_id = next(item["id"] for item in lumen["items"] if item["slug"] == "lumen-electronics")
        pages = [*PAGES, (f"/organisations/{lumen['items'][0]['id']}", "organisation-detail"),
                 (f"/operations/reconciliation/{bank['id']}", "reconciliation"),
                 (f"/trade-data/uploads?seller_id={lumen_id}", "trade-data-uploads"),
                 # March 2021: the month of the settlement the upload test sends, when it ran first.
                 (f"/trade-data?seller_id={lumen_id}&until=2021-03", "trade-data")]
        for path, name in pages:
            page.goto(f"{live_server}{path}")
            expect(page.locator("h1").first).to_be_visible()
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow == 0, (path, device, language)
            if name == "operations":
                # The exposure chart is drawn (ECharts renders into a canvas).
                expect(page.locator(".chart canvas")).to_have_count(1)
            screenshot(page, f"{name}-{suffix}")
    finally:
        context.close()
